/**
 * What a platform offers the TLS crypto provider, kept apart from
 * platform-crypto.ts so that registering pulls in no provider code:
 * - a whole provider it prefers (the unix platform: node:crypto);
 * - or native primitives for the hot path (images linked with the
 *   runtime's mbedtls bindings): record protection, hashes, HMAC.
 */
import type { AeadAlgorithm, CryptoProvider, HashAlgorithm } from './crypto-provider.ts';

/** Record protection and hashing in native code; the same contracts as CryptoProvider's. */
export interface NativePrimitives {
  readonly name: string;
  /** Seals (ciphertext then tag) or opens; opening returns null when the tag does not verify. */
  aead(seal: boolean, algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, input: Uint8Array): Uint8Array | null;
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
