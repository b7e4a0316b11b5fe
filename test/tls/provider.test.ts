/**
 * The crypto providers against published vectors (provider-vectors.ts) and against each other
 * (what one signs the other verifies, both derive the same secrets and
 * ciphertexts), and whole handshakes with one provider on each side.
 */
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../drivers/unix/tls-crypto.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { nobleCryptoProvider } from '../../lib/tls/noble-crypto.ts';
import { TlsServerContext, tlsClientConnection, parseCertificatesPem, parsePrivateKeyPem, type CryptoProvider } from '../../lib/tls/index.ts';
import type { SignatureAlgorithm } from '../../lib/tls/crypto-provider.ts';
import { hasOpenssl, makePki, type KeyKind } from '../support/tls-pki.ts';
import { VECTOR_CHECKS, crossChecks, rsaChecks } from './provider-vectors.ts';
import { makeRsaVectors } from './rsa-vectors.ts';
import { pumpEngines } from '../support/tls-pump.ts';

const providers: CryptoProvider[] = [nodeCryptoProvider, nobleCryptoProvider];

describe.each(providers.map((p) => [p.name, p] as const))('crypto provider %s: published vectors', (_name, p) => {
  for (const check of VECTOR_CHECKS) it(check.name, () => check.run(p));
});

describe('node:crypto: RSA against its own OpenSSL signatures', () => {
  for (const check of rsaChecks(makeRsaVectors())) it(check.name, () => check.run(nodeCryptoProvider));
});

describe('node:crypto against @noble', () => {
  for (const check of crossChecks(nobleCryptoProvider)) it(check.name, () => check.run(nodeCryptoProvider));
});

const skip = !hasOpenssl();
if (skip) console.log('SKIPPED: cross-provider signature and handshake tests need the openssl command (Debian openssl)');

describe.skipIf(skip)('crypto providers against each other', () => {
  const pki = skip ? null! : makePki();
  const leaves = skip ? null! : Object.fromEntries((['ec', 'ed25519', 'rsa'] as KeyKind[]).map((k) => [k, pki.issue(`x-${k}`, { kind: k })]));

  it('verify what the other signs (ECDSA P-256, Ed25519), and refuse a changed message', () => {
    const data = new TextEncoder().encode('TLS 1.3, server CertificateVerify');
    for (const [kind, algorithm] of [['ec', 'ecdsa-p256-sha256'], ['ed25519', 'ed25519']] as [KeyKind, SignatureAlgorithm][]) {
      const key = parsePrivateKeyPem(leaves[kind]!.keyPem);
      const pub = parseCertificatesPem(leaves[kind]!.certPem)[0]!.publicKey;
      for (const [a, b] of [[nodeCryptoProvider, nobleCryptoProvider], [nobleCryptoProvider, nodeCryptoProvider]]) {
        for (let i = 0; i < 8; i++) {
          const sig = a!.sign(algorithm, key, data);
          expect(b!.verify(algorithm, pub, data, sig)).toBe(true);
          expect(b!.verify(algorithm, pub, data.subarray(1), sig)).toBe(false);
        }
      }
    }
  });

  for (const [server, client] of [[nobleCryptoProvider, nodeCryptoProvider], [nodeCryptoProvider, nobleCryptoProvider]]) {
    for (const kind of ['ec', 'ed25519'] as KeyKind[]) {
      for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const) {
        for (const group of ['x25519', 'p256'] as const) {
          it(`server on ${server!.name}, client on ${client!.name}: ${kind}, ${suite}, ${group}`, () => {
            const s = new TlsServerContext({ crypto: server!, random: unixRandom, nowMs: () => Date.now(), certificates: [{ chain: parseCertificatesPem(leaves[kind]!.chainPem), key: parsePrivateKeyPem(leaves[kind]!.keyPem) }] }).accept();
            const c = tlsClientConnection({ crypto: client!, random: unixRandom, nowMs: () => Date.now(), serverName: 'localhost', trustAnchors: parseCertificatesPem(pki.rootPem), cipherSuites: [suite], groups: [group] });
            pumpEngines(c, s);
            expect(c.error).toBeNull();
            expect(s.error).toBeNull();
            c.write(new Uint8Array(70_000).fill(3));
            pumpEngines(c, s);
            expect(s.takeReceived().reduce((n, b) => n + b.length, 0)).toBe(70_000);
          });
        }
      }
    }
  }

  it('@noble refuses RSA plainly: no signature, and verification fails', () => {
    const key = parsePrivateKeyPem(leaves.rsa!.keyPem);
    expect(() => nobleCryptoProvider.sign('rsa-pss-sha256', key, new Uint8Array(1))).toThrow(/RSA/);
    const pub = parseCertificatesPem(leaves.rsa!.certPem)[0]!.publicKey;
    const sig = nodeCryptoProvider.sign('rsa-pss-sha256', key, new Uint8Array(1));
    expect(nobleCryptoProvider.verify('rsa-pss-sha256', pub, new Uint8Array(1), sig)).toBe(false);
  });
});
