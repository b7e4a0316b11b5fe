/**
 * A TLS crypto provider from the audited pure-JavaScript `@noble` libraries
 * (hashes, ciphers, curves), for images: QuickJS runs them (its BigInt is
 * built in, CONFIG_BIGNUM). It covers everything TLS 1.3 needs here except
 * RSA, which `@noble` does not implement: RSA signatures neither verify nor
 * sign (a server in an image uses an ECDSA or Ed25519 key; a client in an
 * image cannot validate a chain signed with RSA). See README.md for the
 * figures that weigh it against a C library.
 */
import './noble-shims.ts';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { AeadAlgorithm, AeadKey, CryptoProvider, HashAlgorithm, KeyExchangeGroup, PrivateKey, PublicKey, SignatureAlgorithm } from './crypto-provider.ts';

const HASHES = { sha256, sha384, sha512 } as const;

function aeadFor(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey {
  const expected = algorithm === 'aes-128-gcm' ? 16 : 32;
  if (key.length !== expected) throw new RangeError(`${algorithm} needs a ${expected}-byte key`);
  const make = algorithm === 'chacha20-poly1305' ? chacha20poly1305 : gcm;
  const k = Uint8Array.from(key);
  const open = (nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null => {
    try {
      return make(k, nonce, aad).decrypt(sealed);
    } catch {
      return null;
    }
  };
  // @noble decrypts into new memory: opening "in place" is opening.
  return { sealInPlace: (nonce, aad, buffer, length) => buffer.set(make(k, nonce, aad).encrypt(buffer.subarray(0, length))), open, openInPlace: open };
}

function isZero(b: Uint8Array): boolean {
  let acc = 0;
  for (const x of b) acc |= x;
  return acc === 0;
}

function ecdsaCurve(algorithm: SignatureAlgorithm): typeof p256 | null {
  if (algorithm === 'ecdsa-p256-sha256') return p256;
  if (algorithm === 'ecdsa-p384-sha384') return p384 as unknown as typeof p256;
  return null;
}

export const nobleCryptoProvider: CryptoProvider = {
  name: '@noble',

  hash: (algorithm: HashAlgorithm, data: Uint8Array) => HASHES[algorithm](data),

  hmac: (algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array) => hmac(HASHES[algorithm], key, data),

  hkdfExtract: (algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array) => extract(HASHES[algorithm], ikm, salt),

  hkdfExpand: (algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number) => expand(HASHES[algorithm], prk, info, length),

  aead: aeadFor,

  keyShare(group: KeyExchangeGroup, privateKey: Uint8Array): Uint8Array | null {
    try {
      return group === 'x25519' ? x25519.getPublicKey(privateKey) : p256.getPublicKey(privateKey, false);
    } catch {
      return null;
    }
  },

  sharedSecret(group: KeyExchangeGroup, privateKey: Uint8Array, peerShare: Uint8Array): Uint8Array | null {
    try {
      if (group === 'x25519') {
        if (peerShare.length !== 32) return null;
        const secret = x25519.getSharedSecret(privateKey, peerShare);
        // RFC 8446 section 7.4.2: an all-zero X25519 result is refused.
        return isZero(secret) ? null : secret;
      }
      // RFC 8446 section 4.2.8.2: uncompressed points only; noble checks the point is on the curve.
      if (peerShare.length !== 65 || peerShare[0] !== 4) return null;
      return p256.getSharedSecret(privateKey, peerShare, true).subarray(1);
    } catch {
      return null;
    }
  },

  sign(algorithm: SignatureAlgorithm, key: PrivateKey, data: Uint8Array): Uint8Array {
    if (algorithm === 'ed25519' && key.type === 'ed25519') return ed25519.sign(data, key.seed);
    const curve = ecdsaCurve(algorithm);
    if (curve && key.type === 'ec' && (key.curve === 'p256') === (curve === p256)) return curve.sign(data, key.d, { format: 'der' });
    throw new RangeError(`${algorithm} signing is not available from @noble (RSA is not implemented there)`);
  },

  verify(algorithm: SignatureAlgorithm, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean {
    try {
      if (algorithm === 'ed25519') return key.type === 'ed25519' && ed25519.verify(signature, data, key.key);
      const curve = ecdsaCurve(algorithm);
      if (!curve || key.type !== 'ec' || (key.curve === 'p256') !== (curve === p256)) return false;
      // High-S signatures are valid ECDSA (FIPS 186-5); OpenSSL makes them half the time.
      return curve.verify(signature, data, key.point, { format: 'der', lowS: false });
    } catch {
      return false;
    }
  },
};
