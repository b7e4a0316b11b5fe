/**
 * Public keys from SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7) and
 * private keys from PKCS#8 (RFC 5208), SEC1 (RFC 5915) and PKCS#1 (RFC 8017).
 */
import type { PrivateKey, PublicKey } from '../crypto-provider.ts';
import { DerError, TAG, bitString, children, derElement, oidText, smallInteger, unsignedInteger, type DerElement } from './der.ts';
import { parsePem } from './pem.ts';

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
} as const;

function curveOf(params: DerElement | null): 'p256' | 'p384' {
  if (params === null) throw new DerError('EC key without named curve');
  const oid = oidText(params);
  if (oid === OID.p256) return 'p256';
  if (oid === OID.p384) return 'p384';
  throw new DerError(`unsupported curve ${oid}`);
}

const POINT_LENGTH = { p256: 65, p384: 97 } as const;

export function parseSubjectPublicKeyInfo(spki: DerElement): PublicKey {
  const r = children(spki);
  const alg = children(r.expect(TAG.sequence));
  const oid = oidText(alg.expect(TAG.oid));
  const params = alg.done ? null : alg.next();
  const key = bitString(r.expect(TAG.bitString));
  r.end();
  if (oid === OID.rsaEncryption) {
    const k = children(derElement(key));
    const n = unsignedInteger(k.expect(TAG.integer));
    const e = unsignedInteger(k.expect(TAG.integer));
    k.end();
    return { type: 'rsa', n, e };
  }
  if (oid === OID.ecPublicKey) {
    const curve = curveOf(params);
    if (key.length !== POINT_LENGTH[curve] || key[0] !== 4) throw new DerError('EC public key is not an uncompressed point');
    return { type: 'ec', curve, point: key };
  }
  if (oid === OID.ed25519) {
    if (key.length !== 32) throw new DerError('Ed25519 key of wrong length');
    return { type: 'ed25519', key };
  }
  throw new DerError(`unsupported public key algorithm ${oid}`);
}

function rsaPrivateKey(der: Uint8Array): PrivateKey {
  const r = children(derElement(der));
  if (smallInteger(r.expect(TAG.integer)) !== 0) throw new DerError('multi-prime RSA keys are not supported');
  const [n, e, d, p, q, dp, dq, qi] = Array.from({ length: 8 }, () => unsignedInteger(r.expect(TAG.integer))) as Uint8Array[];
  return { type: 'rsa', n: n!, e: e!, d: d!, p: p!, q: q!, dp: dp!, dq: dq!, qi: qi! };
}

function ecPrivateKey(der: Uint8Array, outerCurve: 'p256' | 'p384' | null): PrivateKey {
  const r = children(derElement(der));
  if (smallInteger(r.expect(TAG.integer)) !== 1) throw new DerError('unknown ECPrivateKey version');
  const d = r.expect(TAG.octetString).content;
  const paramsWrapper = r.optional(0xa0);
  const curve = paramsWrapper ? curveOf(children(paramsWrapper).next()) : outerCurve;
  if (curve === null) throw new DerError('EC private key without a curve');
  const publicWrapper = r.optional(0xa1);
  // OpenSSL always writes the public key; without it a signature provider would have to compute it.
  if (!publicWrapper) throw new DerError('EC private key without its public key');
  const point = bitString(children(publicWrapper).expect(TAG.bitString));
  if (point.length !== POINT_LENGTH[curve] || point[0] !== 4) throw new DerError('EC public key is not an uncompressed point');
  const size = curve === 'p256' ? 32 : 48;
  if (d.length > size) throw new DerError('EC private key too long');
  const padded = new Uint8Array(size);
  padded.set(d, size - d.length);
  return { type: 'ec', curve, d: padded, point };
}

function pkcs8PrivateKey(der: Uint8Array): PrivateKey {
  const r = children(derElement(der));
  const version = smallInteger(r.expect(TAG.integer));
  if (version > 1) throw new DerError('unknown PKCS#8 version');
  const alg = children(r.expect(TAG.sequence));
  const oid = oidText(alg.expect(TAG.oid));
  const params = alg.done ? null : alg.next();
  const key = r.expect(TAG.octetString).content;
  if (oid === OID.rsaEncryption) return rsaPrivateKey(key);
  if (oid === OID.ecPublicKey) return ecPrivateKey(key, curveOf(params));
  if (oid === OID.ed25519) {
    const seed = derElement(key);
    if (seed.tag !== TAG.octetString || seed.content.length !== 32) throw new DerError('bad Ed25519 private key');
    return { type: 'ed25519', seed: seed.content };
  }
  throw new DerError(`unsupported private key algorithm ${oid}`);
}

/**
 * A private key from PEM text: `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY`
 * (SEC1) or `RSA PRIVATE KEY` (PKCS#1). Throws `DerError` when none is found
 * or the key is malformed or of an unsupported kind.
 */
export function parsePrivateKeyPem(pem: string): PrivateKey {
  for (const block of parsePem(pem)) {
    if (block.label === 'PRIVATE KEY') return pkcs8PrivateKey(block.der);
    if (block.label === 'EC PRIVATE KEY') return ecPrivateKey(block.der, null);
    if (block.label === 'RSA PRIVATE KEY') return rsaPrivateKey(block.der);
    if (block.label === 'ENCRYPTED PRIVATE KEY') throw new DerError('encrypted private keys are not supported');
  }
  throw new DerError('no private key in PEM text');
}

/** A PKCS#8 private key in DER. */
export function parsePrivateKeyDer(der: Uint8Array): PrivateKey {
  return pkcs8PrivateKey(der);
}


