import { describe, expect, it } from 'vitest';
import { parseCertificatesPem, parsePrivateKeyPem } from '../../lib/tls/index.ts';
import { runFuzz } from './fuzz-harness.ts';
import { hasOpenssl, makePki } from '../support/tls-pki.ts';

const skip = !hasOpenssl();
if (skip) console.log('SKIPPED: TLS fuzz test needs the openssl command (Debian openssl) for its certificate');

describe.skipIf(skip)('TLS engine under mutated input', () => {
  it('ends 100k mutated records and handshake messages with a specific alert or a handshake, never an internal error, in bounded memory', async () => {
    const pki = makePki();
    const leaf = pki.issue('fuzz');
    const before = process.memoryUsage().heapUsed;
    const report = await runFuzz({
      seed: 17,
      cases: 100_000,
      certificate: { chain: parseCertificatesPem(leaf.chainPem), key: parsePrivateKeyPem(leaf.keyPem) },
      roots: parseCertificatesPem(pki.rootPem),
    });
    console.log('fuzz outcomes', report.outcomes);
    expect(report.cases).toBe(100_000);
    expect(report.internal).toEqual([]);
    // Several kinds of failure were reached, not one early exit.
    expect(Object.keys(report.outcomes).length).toBeGreaterThan(6);
    // Connections keep nothing once dropped: the heap does not grow with the number of cases.
    global.gc?.();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
  }, 120_000);
});
