/**
 * HKDF (RFC 5869) over a provider's HMAC, for providers whose library has
 * no separate Extract and Expand steps (node:crypto, the runtime's mbedtls
 * bindings): the construction is two lines of the RFC over HMAC.
 */
import { hashLength, type HashAlgorithm } from './crypto-provider.ts';

export type Hmac = (algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array) => Uint8Array;

/** HKDF-Extract (section 2.2): an absent salt is HashLen zeros. */
export function hkdfExtractWith(hmac: Hmac, algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(algorithm, salt.length === 0 ? new Uint8Array(hashLength(algorithm)) : salt, ikm);
}

/** HKDF-Expand (section 2.3): T(i) = HMAC(PRK, T(i-1) | info | i). */
export function hkdfExpandWith(hmac: Hmac, algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const hashLen = hashLength(algorithm);
  if (length > 255 * hashLen) throw new RangeError('HKDF-Expand length too large');
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++, at += hashLen) {
    const input = new Uint8Array(previous.length + info.length + 1);
    input.set(previous);
    input.set(info, previous.length);
    input[input.length - 1] = i;
    previous = hmac(algorithm, prk, input);
    out.set(previous.subarray(0, Math.min(hashLen, length - at)), at);
  }
  return out;
}
