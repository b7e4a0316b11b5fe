/**
 * Published vectors for a crypto provider's primitives (RFC 5869 HKDF,
 * FIPS 180 SHA-2, RFC 7748 X25519, NIST GCM, RFC 8439 ChaCha20-Poly1305)
 * and the refusals TLS relies on (low-order X25519 points, P-256 points
 * off the curve or compressed, bad tags). Plain checks that throw, so they
 * run under vitest on Node and bundled into an image under QuickJS.
 */
import { aeadSeal, type CryptoProvider, type PrivateKey, type SignatureAlgorithm } from '../../lib/tls/crypto-provider.ts';

export interface VectorCheck {
  name: string;
  run(p: CryptoProvider): void;
}

function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array | null): string {
  if (b === null) return 'null';
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function same(actual: Uint8Array | null, expected: string, what: string): void {
  if (toHex(actual) !== expected) throw new Error(`${what}: got ${toHex(actual)}, expected ${expected}`);
}

function refused(actual: Uint8Array | null, what: string): void {
  if (actual !== null) throw new Error(`${what}: accepted, expected refusal`);
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Checks between two providers: what one signs the other verifies, both agree on shared secrets. */
export function crossChecks(other: CryptoProvider): VectorCheck[] {
  return [
    {
      name: `ECDSA P-256 signatures verify across providers (with ${other.name})`,
      run(p) {
        const d = hex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
        const point = p.keyShare('p256', d);
        if (point === null || toHex(point) !== toHex(other.keyShare('p256', d))) throw new Error('the providers disagree on the public point');
        const key = { type: 'ec' as const, curve: 'p256' as const, d, point };
        const data = ascii('TLS 1.3, server CertificateVerify');
        for (const [signer, verifier] of [[p, other], [other, p]] as const) {
          const sig = signer.sign('ecdsa-p256-sha256', key, data);
          if (!verifier.verify('ecdsa-p256-sha256', key, data, sig)) throw new Error(`${verifier.name} refuses ${signer.name}'s signature`);
          if (verifier.verify('ecdsa-p256-sha256', key, data.subarray(1), sig)) throw new Error(`${verifier.name} accepts a signature of other data`);
        }
      },
    },
    {
      name: `AES-GCM records of any length seal under one provider and open under the other (with ${other.name})`,
      run(p) {
        const nonce = hex('000102030405060708090a0b');
        const aad = hex('1703034011');
        for (const [suite, keyLength] of [['aes-128-gcm', 16], ['aes-256-gcm', 32]] as const) {
          const key = Uint8Array.from({ length: keyLength }, (_, i) => i * 7 + 1);
          for (const length of [0, 1, 15, 16, 17, 127, 129, 4097, 16385]) {
            const text = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
            for (const [sealer, opener] of [[p, other], [other, p]] as const) {
              const sealed = aeadSeal(sealer.aead(suite, key), nonce, aad, text);
              const what = `${suite}, ${length} bytes sealed by ${sealer.name}`;
              if (toHex(opener.aead(suite, key).open(nonce, aad, sealed)) !== toHex(text)) throw new Error(`${what}: ${opener.name} opens it to other bytes`);
              if (toHex(opener.aead(suite, key).openInPlace(nonce, aad, sealed.slice())) !== toHex(text)) throw new Error(`${what}: ${opener.name} opens it in place to other bytes`);
              sealed[Math.max(0, length - 1)]! ^= 1;
              refused(opener.aead(suite, key).open(nonce, aad, sealed), `${what}, one bit flipped, opened by ${opener.name}`);
              const flipped = sealed.slice();
              refused(opener.aead(suite, key).openInPlace(nonce, aad, flipped), `${what}, one bit flipped, opened in place by ${opener.name}`);
              // What was not authenticated is not left behind: either untouched ciphertext or zeros, never plaintext.
              const left = toHex(flipped.subarray(0, length));
              if (length > 0 && left !== toHex(sealed.subarray(0, length)) && left !== '00'.repeat(length)) throw new Error(`${what}: ${opener.name} left other bytes after a bad tag in place`);
            }
          }
        }
      },
    },
    {
      name: `X25519 and P-256 shared secrets agree across providers (with ${other.name})`,
      run(p) {
        for (const group of ['x25519', 'p256'] as const) {
          const a = hex('11'.repeat(32));
          const b = hex('22'.repeat(32));
          const ab = p.sharedSecret(group, a, other.keyShare(group, b)!);
          const ba = other.sharedSecret(group, b, p.keyShare(group, a)!);
          if (ab === null || toHex(ab) !== toHex(ba)) throw new Error(`${group}: ${toHex(ab)} against ${toHex(ba)}`);
        }
      },
    },
  ];
}

export const VECTOR_CHECKS: VectorCheck[] = [
  {
    name: 'HKDF (RFC 5869 A.1 and A.3)',
    run(p) {
      const prk1 = p.hkdfExtract('sha256', hex('000102030405060708090a0b0c'), hex('0b'.repeat(22)));
      same(prk1, '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5', 'A.1 PRK');
      same(p.hkdfExpand('sha256', prk1, hex('f0f1f2f3f4f5f6f7f8f9'), 42), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865', 'A.1 OKM');
      const prk3 = p.hkdfExtract('sha256', new Uint8Array(0), hex('0b'.repeat(22)));
      same(prk3, '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04', 'A.3 PRK');
      same(p.hkdfExpand('sha256', prk3, new Uint8Array(0), 42), '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8', 'A.3 OKM');
    },
  },
  {
    name: 'SHA-2 of the empty string and of "abc"',
    run(p) {
      same(p.hash('sha256', new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'SHA-256("")');
      same(p.hash('sha384', ascii('abc')), 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7', 'SHA-384("abc")');
    },
  },
  {
    name: 'X25519 (RFC 7748 section 6.1), and a low-order peer point refused',
    run(p) {
      const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
      const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
      same(p.keyShare('x25519', alice), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a', 'public key');
      same(p.sharedSecret('x25519', alice, bobPublic), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742', 'shared secret');
      refused(p.sharedSecret('x25519', alice, new Uint8Array(32)), 'all-zero peer point');
    },
  },
  {
    name: 'P-256: a point off the curve, a compressed point and invalid scalars are refused',
    run(p) {
      const priv = new Uint8Array(32).fill(7);
      const share = p.keyShare('p256', priv);
      if (share === null || share.length !== 65) throw new Error('no 65-byte share');
      const off = Uint8Array.from(share);
      off[64]! ^= 1;
      refused(p.sharedSecret('p256', priv, off), 'point off the curve');
      refused(p.sharedSecret('p256', priv, share.subarray(0, 33)), 'compressed point');
      refused(p.keyShare('p256', new Uint8Array(32)), 'zero scalar');
      refused(p.keyShare('p256', new Uint8Array(32).fill(0xff)), 'scalar above the order');
    },
  },
  {
    name: 'AES-GCM (NIST test cases 2, 4, 14 and 16) and ChaCha20-Poly1305 (RFC 8439 section 2.8.2), tampering refused',
    run(p) {
      const z12 = new Uint8Array(12);
      const empty = new Uint8Array(0);
      same(aeadSeal(p.aead('aes-128-gcm', new Uint8Array(16)), z12, empty, new Uint8Array(16)), '0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf', 'AES-128-GCM case 2');
      same(aeadSeal(p.aead('aes-256-gcm', new Uint8Array(32)), z12, empty, new Uint8Array(16)), 'cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919', 'AES-256-GCM case 14');
      same(p.aead('aes-128-gcm', new Uint8Array(16)).open(z12, empty, hex('0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf')), '00'.repeat(16), 'AES-128-GCM open');
      // Cases 4 and 16: additional data and a plaintext that ends inside a block.
      const gcmKey = hex('feffe9928665731c6d6a8f9467308308');
      const gcmNonce = hex('cafebabefacedbaddecaf888');
      const gcmAad = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
      const gcmText = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39';
      const case4 = '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' + '5bc94fbc3221a5db94fae95ae7121a47';
      const case16 = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' + '76fc6ece0f4e1768cddf8853bb2d551b';
      for (const [suite, key, sealed, what] of [['aes-128-gcm', gcmKey, case4, 'AES-128-GCM case 4'], ['aes-256-gcm', hex(toHex(gcmKey).repeat(2)), case16, 'AES-256-GCM case 16']] as const) {
        same(aeadSeal(p.aead(suite, key), gcmNonce, gcmAad, hex(gcmText)), sealed, what);
        same(p.aead(suite, key).open(gcmNonce, gcmAad, hex(sealed)), gcmText, `${what} open`);
        same(p.aead(suite, key).openInPlace(gcmNonce, gcmAad, hex(sealed)), gcmText, `${what} open in place`);
        refused(p.aead(suite, key).open(gcmNonce, gcmAad.subarray(1), hex(sealed)), `${what} with other additional data`);
        const tampered = hex(sealed);
        tampered[tampered.length - 1]! ^= 0x80;
        refused(p.aead(suite, key).open(gcmNonce, gcmAad, tampered), `${what} with a tampered tag`);
      }
      const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
      const nonce = hex('070000004041424344454647');
      const aad = hex('50515253c0c1c2c3c4c5c6c7');
      const text = ascii("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
      const sealed = aeadSeal(p.aead('chacha20-poly1305', key), nonce, aad, text);
      same(sealed.subarray(sealed.length - 16), '1ae10b594f09e26a7e902ecbd0600691', 'ChaCha20-Poly1305 tag');
      same(sealed.subarray(0, 16), 'd31a8d34648e60db7b86afbc53ef7ec2', 'ChaCha20-Poly1305 ciphertext');
      same(p.aead('chacha20-poly1305', key).open(nonce, aad, sealed), toHex(text), 'ChaCha20-Poly1305 open');
      same(p.aead('chacha20-poly1305', key).openInPlace(nonce, aad, sealed.slice()), toHex(text), 'ChaCha20-Poly1305 open in place');
      sealed[3]! ^= 1;
      refused(p.aead('chacha20-poly1305', key).open(nonce, aad, sealed), 'tampered ChaCha20-Poly1305');
      refused(p.aead('chacha20-poly1305', key).openInPlace(nonce, aad, sealed.slice()), 'tampered ChaCha20-Poly1305 opened in place');
      refused(p.aead('aes-256-gcm', new Uint8Array(32)).open(z12, empty, new Uint8Array(15)), 'sealed data shorter than a tag');
    },
  },
];

/** An RSA key and signatures OpenSSL made with it (rsa-vectors.ts), as hex, for providers that do RSA. */
export interface RsaVectors {
  key: Record<'n' | 'e' | 'd' | 'p' | 'q' | 'dp' | 'dq' | 'qi', string>;
  data: string;
  /** By algorithm: the signature of `data`. */
  signatures: Partial<Record<SignatureAlgorithm, string>>;
}

/** The vectors' key and message as bytes. */
export function rsaInputs(v: RsaVectors): { key: Extract<PrivateKey, { type: 'rsa' }>; data: Uint8Array } {
  const key = { type: 'rsa' as const, n: hex(v.key.n), e: hex(v.key.e), d: hex(v.key.d), p: hex(v.key.p), q: hex(v.key.q), dp: hex(v.key.dp), dq: hex(v.key.dq), qi: hex(v.key.qi) };
  return { key, data: hex(v.data) };
}

/** RSA checks: OpenSSL's PSS and PKCS#1 v1.5 signatures verify, altered ones do not, and the provider's own PSS signatures verify. */
export function rsaChecks(v: RsaVectors): VectorCheck[] {
  const { key, data } = rsaInputs(v);
  return [
    {
      name: 'RSA: OpenSSL PSS and PKCS#1 v1.5 signatures verify; other data, another padding or an altered signature do not',
      run(p) {
        for (const [algorithm, signature] of Object.entries(v.signatures) as [SignatureAlgorithm, string][]) {
          const sig = hex(signature);
          if (!p.verify(algorithm, key, data, sig)) throw new Error(`${algorithm}: refused`);
          if (p.verify(algorithm, key, data.subarray(1), sig)) throw new Error(`${algorithm}: accepted for other data`);
          const other = algorithm.startsWith('rsa-pss') ? algorithm.replace('pss', 'pkcs1') : algorithm.replace('pkcs1', 'pss');
          if (p.verify(other as SignatureAlgorithm, key, data, sig)) throw new Error(`${algorithm}: accepted as ${other}`);
          sig[sig.length - 1]! ^= 1;
          if (p.verify(algorithm, key, data, sig)) throw new Error(`${algorithm}: accepted altered`);
          if (p.verify(algorithm, key, data, sig.subarray(1))) throw new Error(`${algorithm}: accepted one byte short`);
        }
      },
    },
    {
      name: 'RSA: PSS signatures made by the provider verify (SHA-256, 384, 512), as long as the modulus',
      run(p) {
        for (const algorithm of ['rsa-pss-sha256', 'rsa-pss-sha384', 'rsa-pss-sha512'] as const) {
          const sig = p.sign(algorithm, key, data);
          if (sig.length !== 256) throw new Error(`${algorithm}: ${sig.length} bytes`);
          if (!p.verify(algorithm, key, data, sig)) throw new Error(`${algorithm}: its own signature refused`);
        }
      },
    },
  ];
}
