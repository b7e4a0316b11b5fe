/**
 * Certificate path validation for the client (RFC 5280 section 6, reduced
 * to what the Web PKI uses): build a path from the server's leaf through the
 * certificates it sent to a trust anchor, checking every signature, validity
 * period, CA flag, path length and key usage, then the host name
 * (RFC 6125). Failures are `TlsError`s carrying the alert a client sends
 * (RFC 8446 section 6.2).
 */
import { TlsError } from '../alert.ts';
import type { CryptoProvider } from '../crypto-provider.ts';
import { equalBytes } from '../bytes.ts';
import {
  KEY_USAGE_DIGITAL_SIGNATURE,
  KEY_USAGE_KEY_CERT_SIGN,
  certificateSignatureAlgorithm,
  type Certificate,
} from './certificate.ts';

/** Longest path tried: leaf, intermediates, anchor. */
const MAX_DEPTH = 10;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

export interface VerifyOptions {
  trustAnchors: readonly Certificate[];
  /** The name the client connected to: a DNS name or a dotted IPv4 address; null skips the name check. */
  hostname: string | null;
  /** Wall-clock time, milliseconds since the epoch. */
  nowMs: number;
}

function signedBy(crypto: CryptoProvider, cert: Certificate, issuer: Certificate): boolean {
  if (!equalBytes(cert.issuer, issuer.subject)) return false;
  const algorithm = certificateSignatureAlgorithm(cert.signatureOid, issuer.publicKey);
  return algorithm !== null && crypto.verify(algorithm, issuer.publicKey, cert.tbs, cert.signature);
}

function checkValidity(cert: Certificate, nowMs: number): void {
  const who = cert.commonName ?? 'certificate';
  if (nowMs > cert.notAfter) throw new TlsError('certificate_expired', `${who} expired on ${new Date(cert.notAfter).toISOString()}`);
  if (nowMs < cert.notBefore) {
    throw new TlsError('certificate_expired', `${who} is not valid before ${new Date(cert.notBefore).toISOString()}`);
  }
  if (cert.unknownCritical.length > 0) {
    throw new TlsError('unsupported_certificate', `${who} has unknown critical extensions ${cert.unknownCritical.join(', ')}`);
  }
}

/** An issuer may sign certificates: CA flag, keyCertSign, and room under its path length. */
function checkIssuer(issuer: Certificate, caBelow: number): void {
  const who = issuer.commonName ?? 'issuer';
  if (!issuer.ca?.isCa) throw new TlsError('bad_certificate', `${who} is not a CA but issued a certificate`);
  if (issuer.keyUsage !== null && !(issuer.keyUsage & (1 << KEY_USAGE_KEY_CERT_SIGN))) {
    throw new TlsError('bad_certificate', `${who} may not sign certificates (keyUsage)`);
  }
  if (issuer.ca.pathLength !== null && caBelow > issuer.ca.pathLength) {
    throw new TlsError('bad_certificate', `${who} allows ${issuer.ca.pathLength} CAs below it, the path has ${caBelow}`);
  }
}

/** RFC 6125 section 6.4: exact match, or a wildcard as the whole left-most label. */
function dnsNameMatches(pattern: string, host: string): boolean {
  const p = pattern.replace(/\.$/, '');
  if (p === host) return true;
  if (!p.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === p.slice(2) && p.slice(2).includes('.');
}

export function hostnameMatches(cert: Certificate, hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return cert.ipAddresses.includes(host);
  // RFC 6125 section 6.4.4: the common name counts only when there is no DNS SAN.
  const names = cert.dnsNames.length > 0 ? cert.dnsNames : cert.commonName !== null ? [cert.commonName.toLowerCase()] : [];
  return names.some((n) => dnsNameMatches(n, host));
}

/**
 * Validates `chain` (leaf first, as sent in the Certificate message) and
 * returns the path found, leaf first and anchor last.
 */
export function verifyCertificateChain(crypto: CryptoProvider, chain: readonly Certificate[], options: VerifyOptions): Certificate[] {
  const leaf = chain[0];
  if (!leaf) throw new TlsError('certificate_required', 'the server sent no certificate');
  checkValidity(leaf, options.nowMs);
  if (leaf.keyUsage !== null && !(leaf.keyUsage & (1 << KEY_USAGE_DIGITAL_SIGNATURE))) {
    throw new TlsError('bad_certificate', 'the server certificate may not sign (keyUsage lacks digitalSignature)');
  }
  if (leaf.extendedKeyUsage !== null && !leaf.extendedKeyUsage.some((u) => u === SERVER_AUTH || u === ANY_EXTENDED_KEY_USAGE)) {
    throw new TlsError('bad_certificate', 'the server certificate is not for server authentication (extKeyUsage)');
  }
  const path: Certificate[] = [leaf];
  // A trust anchor that is the leaf itself (a pinned self-signed certificate).
  if (!options.trustAnchors.some((a) => equalBytes(a.der, leaf.der))) {
    const pool = chain.slice(1);
    for (;;) {
      const current = path[path.length - 1]!;
      const caBelow = path.length - 1;
      const anchor = options.trustAnchors.find((a) => signedBy(crypto, current, a));
      if (anchor) {
        checkIssuer(anchor, caBelow);
        checkValidity(anchor, options.nowMs);
        path.push(anchor);
        break;
      }
      if (path.length >= MAX_DEPTH) throw new TlsError('unknown_ca', 'no path to a trusted root within the depth limit');
      const next = pool.find((c) => !path.includes(c) && signedBy(crypto, current, c));
      if (!next) {
        const issuerHint = path.length === 1 && equalBytes(leaf.issuer, leaf.subject) ? 'self-signed certificate' : 'certificate';
        throw new TlsError('unknown_ca', `${issuerHint} ${current.commonName ?? ''} is not issued by a trusted CA`.replace('  ', ' '));
      }
      checkIssuer(next, caBelow);
      checkValidity(next, options.nowMs);
      path.push(next);
    }
  }
  if (options.hostname !== null && !hostnameMatches(leaf, options.hostname)) {
    const names = leaf.dnsNames.length ? leaf.dnsNames.join(', ') : leaf.ipAddresses.join(', ') || leaf.commonName || '(none)';
    throw new TlsError('bad_certificate', `certificate name mismatch: ${options.hostname} is not in ${names}`);
  }
  return path;
}
