/**
 * The crypto providers against published vectors (RFC 5869 HKDF, RFC 7748
 * X25519, NIST GCM, RFC 8439 ChaCha20-Poly1305) and against each other
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
import { pumpEngines } from '../support/tls-pump.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const providers: CryptoProvider[] = [nodeCryptoProvider, nobleCryptoProvider];

describe.each(providers.map((p) => [p.name, p] as const))('crypto provider %s: published vectors', (_name, p) => {
  it('HKDF (RFC 5869 A.1 and A.3)', () => {
    const prk1 = p.hkdfExtract('sha256', hex('000102030405060708090a0b0c'), hex('0b'.repeat(22)));
    expect(toHex(prk1)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(toHex(p.hkdfExpand('sha256', prk1, hex('f0f1f2f3f4f5f6f7f8f9'), 42))).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
    const prk3 = p.hkdfExtract('sha256', new Uint8Array(0), hex('0b'.repeat(22)));
    expect(toHex(prk3)).toBe('19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    expect(toHex(p.hkdfExpand('sha256', prk3, new Uint8Array(0), 42))).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });

  it('SHA-2 of the empty string and of "abc"', () => {
    expect(toHex(p.hash('sha256', new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(p.hash('sha384', new TextEncoder().encode('abc')))).toBe('cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7');
  });

  it('X25519 (RFC 7748 section 6.1), and a low-order peer point refused', () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    expect(toHex(p.keyShare('x25519', alice)!)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(p.sharedSecret('x25519', alice, bobPublic)!)).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    expect(p.sharedSecret('x25519', alice, new Uint8Array(32))).toBeNull();
  });

  it('P-256: a point off the curve and a compressed point are refused', () => {
    const priv = new Uint8Array(32).fill(7);
    const share = p.keyShare('p256', priv)!;
    expect(share.length).toBe(65);
    const off = Uint8Array.from(share);
    off[64]! ^= 1;
    expect(p.sharedSecret('p256', priv, off)).toBeNull();
    expect(p.sharedSecret('p256', priv, share.subarray(0, 33))).toBeNull();
    expect(p.keyShare('p256', new Uint8Array(32))).toBeNull();
    expect(p.keyShare('p256', new Uint8Array(32).fill(0xff))).toBeNull();
  });

  it('AES-GCM (NIST test cases 2 and 14) and ChaCha20-Poly1305 (RFC 8439 section 2.8.2)', () => {
    const z12 = new Uint8Array(12);
    expect(toHex(p.aead('aes-128-gcm', new Uint8Array(16)).seal(z12, new Uint8Array(0), new Uint8Array(16)))).toBe('0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf');
    expect(toHex(p.aead('aes-256-gcm', new Uint8Array(32)).seal(z12, new Uint8Array(0), new Uint8Array(16)))).toBe('cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919');
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = hex('070000004041424344454647');
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const text = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const sealed = p.aead('chacha20-poly1305', key).seal(nonce, aad, text);
    expect(toHex(sealed.subarray(sealed.length - 16))).toBe('1ae10b594f09e26a7e902ecbd0600691');
    expect(toHex(sealed.subarray(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(new TextDecoder().decode(p.aead('chacha20-poly1305', key).open(nonce, aad, sealed)!)).toBe(new TextDecoder().decode(text));
    sealed[3]! ^= 1;
    expect(p.aead('chacha20-poly1305', key).open(nonce, aad, sealed)).toBeNull();
  });
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
