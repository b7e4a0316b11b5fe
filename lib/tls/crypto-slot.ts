/**
 * What a platform offers the TLS crypto provider, kept apart from
 * platform-crypto.ts so that registering pulls in no provider code:
 * - a whole provider it prefers (the unix platform: node:crypto);
 * - or native primitives for the hot path (images linked with the
 *   runtime's mbedtls bindings): record protection, hashes, HMAC.
 */
import type { AeadAlgorithm, CryptoProvider, HashAlgorithm, KeyExchangeGroup, PrivateKey } from './crypto-provider.ts';

/** Key exchange (X25519, P-256) and ECDSA P-256 over a SHA-256 hash, in native code. */
export interface NativeCurves {
  keyShare(group: KeyExchangeGroup, privateKey: Uint8Array): Uint8Array | null;
  sharedSecret(group: KeyExchangeGroup, privateKey: Uint8Array, peerShare: Uint8Array): Uint8Array | null;
  /** A DER signature of `hash`. */
  ecdsaP256Sign(d: Uint8Array, hash: Uint8Array): Uint8Array;
  ecdsaP256Verify(point: Uint8Array, hash: Uint8Array, signature: Uint8Array): boolean;
}

/** RSA signatures in native code, over a digest the caller made. */
export interface NativeRsa {
  /** RSASSA-PSS (MGF1 with the same hash, a salt as long as the hash) when `pss`, else RSASSA-PKCS1-v1_5. */
  verify(pss: boolean, hash: HashAlgorithm, key: { n: Uint8Array; e: Uint8Array }, digest: Uint8Array, signature: Uint8Array): boolean;
  /** An RSASSA-PSS signature, as long as the modulus. */
  pssSign(hash: HashAlgorithm, key: Extract<PrivateKey, { type: 'rsa' }>, digest: Uint8Array): Uint8Array;
}

/** Record protection and hashing in native code; the same contracts as CryptoProvider's. */
export interface NativePrimitives {
  readonly name: string;
  /** Present when the native library also does the curves. */
  readonly curves: NativeCurves | null;
  /** Present when the native library also does RSA. */
  readonly rsa: NativeRsa | null;
  /**
   * Seals `input` into `output` (ciphertext then tag, 16 bytes longer) or
   * opens it (16 bytes shorter); `output` may be `input`'s own memory, for
   * sealing in place. False when an opened tag does not verify (output zeroed).
   */
  aead(seal: boolean, algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, input: Uint8Array, output: Uint8Array): boolean;
  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
}

let registered: CryptoProvider | null = null;
let native: NativePrimitives | null = null;

export function setPlatformCrypto(provider: CryptoProvider): void {
  registered = provider;
}

export function registeredCrypto(): CryptoProvider | null {
  return registered;
}

export function setNativePrimitives(primitives: NativePrimitives): void {
  native = primitives;
}

export function registeredNative(): NativePrimitives | null {
  return native;
}
