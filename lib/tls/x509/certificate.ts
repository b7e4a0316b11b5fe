/**
 * X.509 certificates (RFC 5280): the fields that path validation and host
 * name checks need. Parsing is strict; an unknown critical extension is
 * kept so that validation can refuse the certificate (section 4.2).
 */
import type { PublicKey, SignatureAlgorithm } from '../crypto-provider.ts';
import { DerError, TAG, bitString, children, derElement, oidText, smallInteger, text, time, type DerElement } from './der.ts';
import { parseSubjectPublicKeyInfo } from './keys.ts';
import { parsePem } from './pem.ts';

export interface Certificate {
  /** The whole certificate, DER. */
  der: Uint8Array;
  /** The signed part (TBSCertificate), DER. */
  tbs: Uint8Array;
  signatureOid: string;
  signature: Uint8Array;
  /** Issuer and subject Names as DER, compared byte for byte when building paths. */
  issuer: Uint8Array;
  subject: Uint8Array;
  /** The subject's common name, if any (for messages, and host names when there is no SAN). */
  commonName: string | null;
  notBefore: number;
  notAfter: number;
  publicKey: PublicKey;
  /** basicConstraints: null when absent. */
  ca: { isCa: boolean; pathLength: number | null } | null;
  /** keyUsage bits (bit 0 is digitalSignature), null when absent. */
  keyUsage: number | null;
  /** extKeyUsage OIDs, null when absent. */
  extendedKeyUsage: string[] | null;
  dnsNames: string[];
  ipAddresses: string[];
  /** Critical extensions this parser does not understand. */
  unknownCritical: string[];
}

const EXT_OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
} as const;

const COMMON_NAME = '2.5.4.3';

export const KEY_USAGE_DIGITAL_SIGNATURE = 0;
export const KEY_USAGE_KEY_CERT_SIGN = 5;

function commonNameOf(name: DerElement): string | null {
  const rdns = children(name);
  let cn: string | null = null;
  while (!rdns.done) {
    const set = children(rdns.expect(TAG.set));
    while (!set.done) {
      const atv = children(set.expect(TAG.sequence));
      const type = oidText(atv.expect(TAG.oid));
      const value = atv.next();
      if (type === COMMON_NAME) cn = text(value);
    }
  }
  return cn;
}

function keyUsageBits(der: Uint8Array): number {
  const bits = bitString(derElement(der), true);
  // Bit 0 is the most significant bit of the first byte.
  let v = 0;
  for (let i = 0; i < Math.min(bits.length, 2); i++) v |= bits[i]! << (8 * (1 - i));
  let out = 0;
  for (let b = 0; b < 16; b++) if (v & (0x8000 >> b)) out |= 1 << b;
  return out;
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  const groups: string[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return groups.join(':');
}

export function parseCertificate(der: Uint8Array): Certificate {
  const outer = children(derElement(der));
  const tbsElement = outer.expect(TAG.sequence);
  const sigAlg = children(outer.expect(TAG.sequence));
  const signatureOid = oidText(sigAlg.expect(TAG.oid));
  const signature = bitString(outer.expect(TAG.bitString));
  outer.end();

  const tbs = children(tbsElement);
  const versionWrapper = tbs.optional(0xa0);
  const version = versionWrapper ? smallInteger(children(versionWrapper).expect(TAG.integer)) : 0;
  tbs.expect(TAG.integer); // serial number
  const innerSigAlg = children(tbs.expect(TAG.sequence));
  // RFC 5280 section 4.1.1.2: the two algorithm identifiers must match.
  if (oidText(innerSigAlg.expect(TAG.oid)) !== signatureOid) throw new DerError('signature algorithms differ');
  const issuer = tbs.expect(TAG.sequence);
  const validity = children(tbs.expect(TAG.sequence));
  const notBefore = time(validity.next());
  const notAfter = time(validity.next());
  validity.end();
  const subject = tbs.expect(TAG.sequence);
  const publicKey = parseSubjectPublicKeyInfo(tbs.expect(TAG.sequence));
  tbs.optional(0x81);
  tbs.optional(0x82);
  const cert: Certificate = {
    der,
    tbs: tbsElement.raw,
    signatureOid,
    signature,
    issuer: issuer.raw,
    subject: subject.raw,
    commonName: commonNameOf(subject),
    notBefore,
    notAfter,
    publicKey,
    ca: null,
    keyUsage: null,
    extendedKeyUsage: null,
    dnsNames: [],
    ipAddresses: [],
    unknownCritical: [],
  };
  const extWrapper = tbs.optional(0xa3);
  tbs.end();
  if (extWrapper) {
    if (version !== 2) throw new DerError('extensions in a certificate older than v3');
    const exts = children(children(extWrapper).expect(TAG.sequence));
    const seen = new Set<string>();
    while (!exts.done) {
      const ext = children(exts.expect(TAG.sequence));
      const oid = oidText(ext.expect(TAG.oid));
      const criticalElement = ext.optional(TAG.boolean);
      const critical = criticalElement !== null && criticalElement.content[0] !== 0;
      const value = ext.expect(TAG.octetString).content;
      ext.end();
      if (seen.has(oid)) throw new DerError(`extension ${oid} repeated`);
      seen.add(oid);
      readExtension(cert, oid, value, critical);
    }
  }
  return cert;
}

function readExtension(cert: Certificate, oid: string, value: Uint8Array, critical: boolean): void {
  switch (oid) {
    case EXT_OID.basicConstraints: {
      const r = children(derElement(value));
      const isCa = r.optional(TAG.boolean);
      const pathLength = r.optional(TAG.integer);
      r.end();
      cert.ca = { isCa: isCa !== null && isCa.content[0] !== 0, pathLength: pathLength ? smallInteger(pathLength) : null };
      return;
    }
    case EXT_OID.keyUsage:
      cert.keyUsage = keyUsageBits(value);
      return;
    case EXT_OID.extKeyUsage: {
      const r = children(derElement(value));
      cert.extendedKeyUsage = [];
      while (!r.done) cert.extendedKeyUsage.push(oidText(r.expect(TAG.oid)));
      return;
    }
    case EXT_OID.subjectAltName: {
      const r = children(derElement(value));
      while (!r.done) {
        const name = r.next();
        if (name.tag === 0x82) cert.dnsNames.push(text(name).toLowerCase());
        else if (name.tag === 0x87) cert.ipAddresses.push(ipText(name.content));
      }
      return;
    }
    default:
      if (critical) cert.unknownCritical.push(oid);
  }
}

/** The signature algorithm of a certificate's signature, given the issuer's key; null when unsupported. */
export function certificateSignatureAlgorithm(signatureOid: string, issuerKey: PublicKey): SignatureAlgorithm | null {
  switch (signatureOid) {
    case '1.2.840.113549.1.1.11':
      return issuerKey.type === 'rsa' ? 'rsa-pkcs1-sha256' : null;
    case '1.2.840.113549.1.1.12':
      return issuerKey.type === 'rsa' ? 'rsa-pkcs1-sha384' : null;
    case '1.2.840.113549.1.1.13':
      return issuerKey.type === 'rsa' ? 'rsa-pkcs1-sha512' : null;
    case '1.2.840.10045.4.3.2':
      return issuerKey.type === 'ec' && issuerKey.curve === 'p256' ? 'ecdsa-p256-sha256' : null;
    case '1.2.840.10045.4.3.3':
      return issuerKey.type === 'ec' && issuerKey.curve === 'p384' ? 'ecdsa-p384-sha384' : null;
    case '1.3.101.112':
      return issuerKey.type === 'ed25519' ? 'ed25519' : null;
    default:
      return null;
  }
}

/** Every certificate in PEM text, in order (a chain file lists the leaf first). */
export function parseCertificatesPem(pem: string): Certificate[] {
  return parsePem(pem)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => parseCertificate(b.der));
}
