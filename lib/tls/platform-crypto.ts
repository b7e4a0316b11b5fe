/**
 * The crypto provider for this platform: the one its boot registered
 * (node:crypto on unix); else @noble, with record protection, hashes, HMAC
 * and (when offered) X25519, P-256 and ECDSA P-256 taken from native
 * primitives when the platform has them (images linked with the runtime's
 * mbedtls bindings), and RSA signatures (which @noble lacks) from there
 * too. Ed25519 and P-384 stay on @noble. Only apps that use TLS import
 * this, so only they carry @noble.
 */
import { AEAD_TAG_LENGTH, type AeadAlgorithm, type CryptoProvider, type HashAlgorithm, type SignatureAlgorithm } from './crypto-provider.ts';
import { registeredCrypto, registeredNative, type NativePrimitives } from './crypto-slot.ts';
import { hkdfExpandWith, hkdfExtractWith } from './hkdf.ts';
import { nobleCryptoProvider } from './noble-crypto.ts';

const KEY_LENGTH: Record<AeadAlgorithm, number> = { 'aes-128-gcm': 16, 'aes-256-gcm': 32, 'chacha20-poly1305': 32 };

/** The RSA signature algorithms: padding and hash. */
const RSA: Partial<Record<SignatureAlgorithm, { pss: boolean; hash: HashAlgorithm }>> = {
  'rsa-pss-sha256': { pss: true, hash: 'sha256' },
  'rsa-pss-sha384': { pss: true, hash: 'sha384' },
  'rsa-pss-sha512': { pss: true, hash: 'sha512' },
  'rsa-pkcs1-sha256': { pss: false, hash: 'sha256' },
  'rsa-pkcs1-sha384': { pss: false, hash: 'sha384' },
  'rsa-pkcs1-sha512': { pss: false, hash: 'sha512' },
};

function withNative(native: NativePrimitives): CryptoProvider {
  const { curves, rsa } = native;
  const isP256 = (key: { type: string; curve?: string }) => key.type === 'ec' && key.curve === 'p256';
  return {
    ...nobleCryptoProvider,
    ...(curves && { keyShare: curves.keyShare, sharedSecret: curves.sharedSecret }),
    sign(algorithm, key, data) {
      if (curves && algorithm === 'ecdsa-p256-sha256' && key.type === 'ec' && key.curve === 'p256') return curves.ecdsaP256Sign(key.d, native.hash('sha256', data));
      const r = RSA[algorithm];
      // TLS 1.3 signs with RSA only in PSS (section 4.2.3); PKCS#1 v1.5 is for verifying certificates.
      if (rsa && r?.pss && key.type === 'rsa') return rsa.pssSign(r.hash, key, native.hash(r.hash, data));
      return nobleCryptoProvider.sign(algorithm, key, data);
    },
    verify(algorithm, key, data, signature) {
      if (curves && algorithm === 'ecdsa-p256-sha256') return isP256(key) && key.type === 'ec' && curves.ecdsaP256Verify(key.point, native.hash('sha256', data), signature);
      const r = RSA[algorithm];
      if (rsa && r) return key.type === 'rsa' && rsa.verify(r.pss, r.hash, key, native.hash(r.hash, data), signature);
      return nobleCryptoProvider.verify(algorithm, key, data, signature);
    },
    name: `${nobleCryptoProvider.name} + ${native.name}`,
    hash: native.hash,
    hmac: native.hmac,
    hkdfExtract: (algorithm, salt, ikm) => hkdfExtractWith(native.hmac, algorithm, salt, ikm),
    hkdfExpand: (algorithm, prk, info, length) => hkdfExpandWith(native.hmac, algorithm, prk, info, length),
    aead(algorithm, key) {
      if (key.length !== KEY_LENGTH[algorithm]) throw new RangeError(`${algorithm} needs a ${KEY_LENGTH[algorithm]}-byte key`);
      const k = Uint8Array.from(key);
      return {
        sealInPlace: (nonce, aad, buffer, length) => {
          native.aead(true, algorithm, k, nonce, aad, buffer.subarray(0, length), buffer.subarray(0, length + AEAD_TAG_LENGTH));
        },
        open(nonce, aad, sealed) {
          if (sealed.length < AEAD_TAG_LENGTH) return null;
          const plaintext = new Uint8Array(sealed.length - AEAD_TAG_LENGTH);
          return native.aead(false, algorithm, k, nonce, aad, sealed, plaintext) ? plaintext : null;
        },
        openInPlace(nonce, aad, sealed) {
          if (sealed.length < AEAD_TAG_LENGTH) return null;
          const plaintext = sealed.subarray(0, sealed.length - AEAD_TAG_LENGTH);
          return native.aead(false, algorithm, k, nonce, aad, sealed, plaintext) ? plaintext : null;
        },
      };
    },
  };
}

let composed: CryptoProvider | null = null;

export function platformCrypto(): CryptoProvider {
  const registered = registeredCrypto();
  if (registered) return registered;
  const native = registeredNative();
  if (!native) return nobleCryptoProvider;
  composed ??= withNative(native);
  return composed;
}
