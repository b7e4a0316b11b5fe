/**
 * The runtime's mbedtls bindings (runtime/crypto/mbedtls.c) as lib/tls's
 * native primitives, when the image was linked with them (apps that use
 * lib/tls, where Debian's libmbedcrypto is installed for the architecture).
 */
import type { NativeCurves, NativePrimitives, NativeRsa } from '../../lib/tls/crypto-slot.ts';
import type { AeadAlgorithm, HashAlgorithm, KeyExchangeGroup } from '../../lib/tls/crypto-provider.ts';
import type { KilnBindings } from './bindings.ts';

const HASH: Record<HashAlgorithm, { id: number; size: number }> = {
  sha256: { id: 0, size: 32 },
  sha384: { id: 1, size: 48 },
  sha512: { id: 2, size: 64 },
};
const AEAD: Record<AeadAlgorithm, number> = { 'aes-128-gcm': 0, 'aes-256-gcm': 0, 'chacha20-poly1305': 1 };

const GROUP: Record<KeyExchangeGroup, { id: number; share: number }> = { x25519: { id: 0, share: 32 }, p256: { id: 1, share: 65 } };

function nativeCurves(k: KilnBindings): NativeCurves | null {
  const { ecKeyShare, ecSharedSecret, ecdsaP256Sign, ecdsaP256Verify } = k;
  if (!ecKeyShare || !ecSharedSecret || !ecdsaP256Sign || !ecdsaP256Verify) return null;
  return {
    keyShare(group, privateKey) {
      const out = new Uint8Array(GROUP[group].share);
      return privateKey.length === 32 && ecKeyShare(GROUP[group].id, privateKey, out) ? out : null;
    },
    sharedSecret(group, privateKey, peerShare) {
      const out = new Uint8Array(32);
      return privateKey.length === 32 && ecSharedSecret(GROUP[group].id, privateKey, peerShare, out) ? out : null;
    },
    ecdsaP256Sign(d, hash) {
      const out = new Uint8Array(72);
      return out.slice(0, ecdsaP256Sign(d, hash, out));
    },
    ecdsaP256Verify: (point, hash, signature) => ecdsaP256Verify(point, hash, signature),
  };
}

function nativeRsa(k: KilnBindings): NativeRsa | null {
  const { rsaVerify, rsaPssSign } = k;
  if (!rsaVerify || !rsaPssSign) return null;
  return {
    verify: (pss, hash, key, digest, signature) => rsaVerify(pss, HASH[hash].id, key.n, key.e, digest, signature),
    pssSign(hash, key, digest) {
      // The modulus's length without leading zero bytes: the signature's.
      let start = 0;
      while (start < key.n.length && key.n[start] === 0) start++;
      const out = new Uint8Array(key.n.length - start);
      rsaPssSign(HASH[hash].id, key.n, key.e, key.d, key.p, key.q, digest, out);
      return out;
    },
  };
}

/** The native primitives, or null when this image has no crypto bindings. */
export function nativeCrypto(k: KilnBindings): NativePrimitives | null {
  const { aead, digest, hmac } = k;
  if (!aead || !digest || !hmac) return null;
  return {
    name: 'mbedtls',
    curves: nativeCurves(k),
    rsa: nativeRsa(k),
    aead: (seal, algorithm, key, nonce, aad, input, output) => aead(seal, AEAD[algorithm], key, nonce, aad, input, output),
    hash(algorithm, data) {
      const h = HASH[algorithm];
      const out = new Uint8Array(h.size);
      digest(h.id, data, out);
      return out;
    },
    hmac(algorithm, key, data) {
      const h = HASH[algorithm];
      const out = new Uint8Array(h.size);
      hmac(h.id, key, data, out);
      return out;
    },
  };
}
