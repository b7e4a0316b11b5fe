/**
 * The crypto provider for this platform: the one its boot registered
 * (node:crypto on unix); else @noble, with record protection, hashes, HMAC
 * and (when offered) X25519, P-256 and ECDSA P-256 taken from native
 * primitives when the platform has them (images linked with the runtime's
 * mbedtls bindings). Ed25519 and P-384 stay on @noble. Only apps that use TLS import
 * this, so only they carry @noble.
 */
import { AEAD_TAG_LENGTH, type AeadAlgorithm, type CryptoProvider } from './crypto-provider.ts';
import { registeredCrypto, registeredNative, type NativePrimitives } from './crypto-slot.ts';
import { hkdfExpandWith, hkdfExtractWith } from './hkdf.ts';
import { nobleCryptoProvider } from './noble-crypto.ts';

const KEY_LENGTH: Record<AeadAlgorithm, number> = { 'aes-128-gcm': 16, 'aes-256-gcm': 32, 'chacha20-poly1305': 32 };

function withNative(native: NativePrimitives): CryptoProvider {
  const curves = native.curves;
  const isP256 = (key: { type: string; curve?: string }) => key.type === 'ec' && key.curve === 'p256';
  return {
    ...nobleCryptoProvider,
    ...(curves && {
      keyShare: curves.keyShare,
      sharedSecret: curves.sharedSecret,
      sign: (algorithm, key, data) =>
        algorithm === 'ecdsa-p256-sha256' && key.type === 'ec' && key.curve === 'p256'
          ? curves.ecdsaP256Sign(key.d, native.hash('sha256', data))
          : nobleCryptoProvider.sign(algorithm, key, data),
      verify: (algorithm, key, data, signature) =>
        algorithm === 'ecdsa-p256-sha256'
          ? key.type === 'ec' && isP256(key) && curves.ecdsaP256Verify(key.point, native.hash('sha256', data), signature)
          : nobleCryptoProvider.verify(algorithm, key, data, signature),
    }),
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
