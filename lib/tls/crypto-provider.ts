/**
 * The one seam between the TLS engine and cryptography. The engine never
 * computes a primitive itself: every hash, MAC, cipher, key exchange and
 * signature goes through a `CryptoProvider`. On Node it is `node:crypto`
 * (drivers/unix/tls-crypto.ts); in an image it is whatever the runtime links
 * (see README.md). All operations are synchronous: every candidate library
 * (node:crypto, C libraries, pure-JS ones) computes them synchronously.
 *
 * Randomness is not the provider's: the engine takes it from the Random
 * device and hands it in where a primitive needs it (key shares).
 */

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** Key-exchange groups (RFC 8446 section 4.2.7). */
export type KeyExchangeGroup = 'x25519' | 'p256';

/**
 * Signature algorithms, for TLS CertificateVerify (RFC 8446 section 4.2.3)
 * and for certificate signatures (RFC 5758, RFC 8017, RFC 8410). ECDSA
 * signatures are DER-encoded (Ecdsa-Sig-Value) in both places.
 */
export type SignatureAlgorithm =
  | 'ecdsa-p256-sha256'
  | 'ecdsa-p384-sha384'
  | 'rsa-pss-sha256'
  | 'rsa-pss-sha384'
  | 'rsa-pss-sha512'
  | 'rsa-pkcs1-sha256'
  | 'rsa-pkcs1-sha384'
  | 'rsa-pkcs1-sha512'
  | 'ed25519';

/** A public key, as parsed from a SubjectPublicKeyInfo. Big integers are big-endian without sign byte. */
export type PublicKey =
  | { type: 'ec'; curve: 'p256' | 'p384'; /** Uncompressed point, 0x04 || X || Y. */ point: Uint8Array }
  | { type: 'ed25519'; key: Uint8Array }
  | { type: 'rsa'; n: Uint8Array; e: Uint8Array };

/** A private key, as parsed from PKCS#8, SEC1 or PKCS#1. */
export type PrivateKey =
  | { type: 'ec'; curve: 'p256' | 'p384'; d: Uint8Array; point: Uint8Array }
  | { type: 'ed25519'; seed: Uint8Array }
  | {
      type: 'rsa';
      n: Uint8Array;
      e: Uint8Array;
      d: Uint8Array;
      p: Uint8Array;
      q: Uint8Array;
      dp: Uint8Array;
      dq: Uint8Array;
      qi: Uint8Array;
    };

/** Bytes of every AEAD's tag here (RFC 5116 section 5, RFC 8439). */
export const AEAD_TAG_LENGTH = 16;

/** An AEAD bound to one key (RFC 5116). The tag is appended to the ciphertext. */
export interface AeadKey {
  /**
   * Encrypts the first `length` bytes of `buffer` in place and writes the
   * tag after them (`buffer` holds at least `length` + 16 bytes): a record
   * is built once, in the memory it is sent from.
   */
  sealInPlace(nonce: Uint8Array, aad: Uint8Array, buffer: Uint8Array, length: number): void;
  /** The plaintext in new memory (never a view of `sealed`), or null when authentication fails. */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
  /**
   * Like `open`, but the caller gives `sealed` up: the plaintext may be
   * decrypted in its own bytes (then it is a view of them), which saves the
   * allocation and copy of a record. On a bad tag null, and the bytes of
   * `sealed` may have been zeroed (no unauthenticated plaintext is left).
   */
  openInPlace(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

/** `plaintext` sealed into new memory: ciphertext, then tag. */
export function aeadSeal(key: AeadKey, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + AEAD_TAG_LENGTH);
  out.set(plaintext);
  key.sealInPlace(nonce, aad, out, plaintext.length);
  return out;
}

export interface CryptoProvider {
  readonly name: string;
  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract (RFC 5869 section 2.2). */
  hkdfExtract(algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** HKDF-Expand (RFC 5869 section 2.3). */
  hkdfExpand(algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  aead(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey;
  /**
   * The public key share for a private key of the group (X25519: 32 bytes;
   * P-256: an uncompressed point). Null when `privateKey` is not a valid
   * scalar (P-256: zero or not below the order); the caller draws again.
   */
  keyShare(group: KeyExchangeGroup, privateKey: Uint8Array): Uint8Array | null;
  /** The shared secret, or null when the peer's share is invalid (off the curve, or an all-zero X25519 result). */
  sharedSecret(group: KeyExchangeGroup, privateKey: Uint8Array, peerShare: Uint8Array): Uint8Array | null;
  sign(algorithm: SignatureAlgorithm, key: PrivateKey, data: Uint8Array): Uint8Array;
  /** False for a wrong signature, a malformed one, or a key that does not fit the algorithm. */
  verify(algorithm: SignatureAlgorithm, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean;
}

export function hashLength(algorithm: HashAlgorithm): number {
  return algorithm === 'sha256' ? 32 : algorithm === 'sha384' ? 48 : 64;
}
