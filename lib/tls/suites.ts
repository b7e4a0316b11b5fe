/**
 * What this TLS 1.3 engine negotiates, with the code points of RFC 8446
 * section B.4 (suites), 4.2.7 (groups) and 4.2.3 (signature schemes).
 */
import type { AeadAlgorithm, HashAlgorithm, KeyExchangeGroup, SignatureAlgorithm } from './crypto-provider.ts';

export interface CipherSuite {
  readonly name: CipherSuiteName;
  readonly code: number;
  readonly aead: AeadAlgorithm;
  readonly hash: HashAlgorithm;
  readonly keyLength: number;
  readonly hashLength: number;
}

export type CipherSuiteName = 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384' | 'TLS_CHACHA20_POLY1305_SHA256';

export const CIPHER_SUITES: readonly CipherSuite[] = [
  { name: 'TLS_AES_128_GCM_SHA256', code: 0x1301, aead: 'aes-128-gcm', hash: 'sha256', keyLength: 16, hashLength: 32 },
  { name: 'TLS_AES_256_GCM_SHA384', code: 0x1302, aead: 'aes-256-gcm', hash: 'sha384', keyLength: 32, hashLength: 48 },
  { name: 'TLS_CHACHA20_POLY1305_SHA256', code: 0x1303, aead: 'chacha20-poly1305', hash: 'sha256', keyLength: 32, hashLength: 32 },
];

export function suiteByCode(code: number): CipherSuite | null {
  return CIPHER_SUITES.find((s) => s.code === code) ?? null;
}

export function suiteByName(name: CipherSuiteName): CipherSuite {
  return CIPHER_SUITES.find((s) => s.name === name)!;
}

export const GROUP_CODES: Record<KeyExchangeGroup, number> = { x25519: 0x001d, p256: 0x0017 };

export function groupByCode(code: number): KeyExchangeGroup | null {
  return code === 0x001d ? 'x25519' : code === 0x0017 ? 'p256' : null;
}

/** Signature schemes for CertificateVerify (RFC 8446 section 4.2.3). */
export interface SignatureScheme {
  readonly name: string;
  readonly code: number;
  readonly algorithm: SignatureAlgorithm;
}

export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  { name: 'ecdsa_secp256r1_sha256', code: 0x0403, algorithm: 'ecdsa-p256-sha256' },
  { name: 'ed25519', code: 0x0807, algorithm: 'ed25519' },
  { name: 'rsa_pss_rsae_sha256', code: 0x0804, algorithm: 'rsa-pss-sha256' },
  { name: 'rsa_pss_rsae_sha384', code: 0x0805, algorithm: 'rsa-pss-sha384' },
  { name: 'rsa_pss_rsae_sha512', code: 0x0806, algorithm: 'rsa-pss-sha512' },
  { name: 'ecdsa_secp384r1_sha384', code: 0x0503, algorithm: 'ecdsa-p384-sha384' },
];

/**
 * Schemes accepted on certificates only (signature_algorithms_cert):
 * PKCS#1 v1.5 may sign certificates but never a TLS 1.3 handshake.
 */
export const CERTIFICATE_ONLY_SCHEMES: readonly SignatureScheme[] = [
  { name: 'rsa_pkcs1_sha256', code: 0x0401, algorithm: 'rsa-pkcs1-sha256' },
  { name: 'rsa_pkcs1_sha384', code: 0x0501, algorithm: 'rsa-pkcs1-sha384' },
  { name: 'rsa_pkcs1_sha512', code: 0x0601, algorithm: 'rsa-pkcs1-sha512' },
];

export function schemeByCode(code: number): SignatureScheme | null {
  return SIGNATURE_SCHEMES.find((s) => s.code === code) ?? null;
}
