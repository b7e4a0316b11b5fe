/**
 * Mutated certificates and keys: the X.509 and key parsers may only fail
 * with DerError (which the client turns into bad_certificate), never with
 * another exception, and path validation of whatever parses fails with a
 * TlsError alert.
 */
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../drivers/unix/tls-crypto.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';
import { TlsError } from '../../lib/tls/alert.ts';
import { parseCertificate, parseCertificatesPem } from '../../lib/tls/x509/certificate.ts';
import { DerError } from '../../lib/tls/x509/der.ts';
import { parsePrivateKeyDer } from '../../lib/tls/x509/keys.ts';
import { parsePem } from '../../lib/tls/x509/pem.ts';
import { verifyCertificateChain } from '../../lib/tls/x509/verify.ts';
import { hasOpenssl, makePki } from '../support/tls-pki.ts';

const skip = !hasOpenssl();
if (skip) console.log('SKIPPED: X.509 fuzz test needs the openssl command (Debian openssl)');

function mutate(rng: SeededRandom, input: Uint8Array): Uint8Array {
  const b = Uint8Array.from(input);
  const n = 1 + (rng.nextU32() % 3);
  for (let i = 0; i < n; i++) {
    const at = rng.nextU32() % b.length;
    const how = rng.nextU32() % 3;
    b[at] = how === 0 ? b[at]! ^ (1 << (rng.nextU32() % 8)) : how === 1 ? rng.nextU32() & 0xff : [0, 0x80, 0x81, 0x84, 0xff][rng.nextU32() % 5]!;
  }
  return rng.nextU32() % 4 === 0 ? b.subarray(0, rng.nextU32() % b.length) : b;
}

describe.skipIf(skip)('X.509 and key parsing under mutated input', () => {
  it('fails only with DerError or a TlsError alert over 30k mutated certificates and keys', () => {
    const pki = makePki();
    const leaves = [pki.issue('fz-ec'), pki.issue('fz-rsa', { kind: 'rsa' }), pki.issue('fz-ed', { kind: 'ed25519' })];
    const roots = parseCertificatesPem(pki.rootPem);
    const rng = new SeededRandom(8446);
    const outcomes: Record<string, number> = {};
    const unexpected: string[] = [];
    const note = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
    for (let i = 0; i < 30_000; i++) {
      const leaf = leaves[i % leaves.length]!;
      const blocks = parsePem(leaf.chainPem);
      const keyDer = parsePem(leaf.keyPem)[0]!.der;
      try {
        if (i % 5 === 4) {
          parsePrivateKeyDer(mutate(rng, keyDer));
          note('key parsed');
          continue;
        }
        const chain = [parseCertificate(mutate(rng, blocks[0]!.der)), parseCertificate(blocks[1]!.der)];
        verifyCertificateChain(nodeCryptoProvider, chain, { trustAnchors: roots, hostname: 'localhost', nowMs: Date.now() });
        note('valid');
      } catch (err) {
        if (err instanceof DerError) note('DerError');
        else if (err instanceof TlsError) note(err.code);
        else if (unexpected.length < 10) unexpected.push(String(err));
      }
    }
    console.log('x509 fuzz outcomes', outcomes);
    expect(unexpected).toEqual([]);
    expect(outcomes.DerError).toBeGreaterThan(1000);
    expect(outcomes.unknown_ca).toBeGreaterThan(100);
  });
});
