/**
 * RSA vectors for rsaChecks (provider-vectors.ts), made on Node with
 * OpenSSL: a 2048-bit key and its signatures of one message in every
 * padding and hash TLS uses, all as hex.
 */
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from '../../lib/tls/crypto-provider.ts';
import type { RsaVectors } from './provider-vectors.ts';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromB64u = (s: string | undefined): string => Buffer.from(s!, 'base64url').toString('hex');

function signWith(key: KeyObject, algorithm: SignatureAlgorithm, data: Buffer): string {
  const [, padding, hash] = algorithm.split('-') as [string, 'pss' | 'pkcs1', string];
  const salt = { sha256: 32, sha384: 48, sha512: 64 }[hash]!;
  return toHex(sign(hash, data, padding === 'pss' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt } : key));
}

export function makeRsaVectors(): RsaVectors {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const data = Buffer.from('TLS 1.3, server CertificateVerify, signed with RSA');
  const algorithms: SignatureAlgorithm[] = ['rsa-pss-sha256', 'rsa-pss-sha384', 'rsa-pss-sha512', 'rsa-pkcs1-sha256', 'rsa-pkcs1-sha384', 'rsa-pkcs1-sha512'];
  return {
    key: { n: fromB64u(jwk.n), e: fromB64u(jwk.e), d: fromB64u(jwk.d), p: fromB64u(jwk.p), q: fromB64u(jwk.q), dp: fromB64u(jwk.dp), dq: fromB64u(jwk.dq), qi: fromB64u(jwk.qi) },
    data: toHex(data),
    signatures: Object.fromEntries(algorithms.map((a) => [a, signWith(privateKey, a, data)])),
  };
}
