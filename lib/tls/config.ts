/** What a TLS server or client is configured with, and the checks on it. */
import type { Random } from '../devices/random.ts';
import { fail } from './alert.ts';
import type { CryptoProvider, KeyExchangeGroup, PrivateKey } from './crypto-provider.ts';
import { CIPHER_SUITES, suiteByName, type CipherSuite, type CipherSuiteName } from './suites.ts';
import type { Certificate } from './x509/certificate.ts';

export interface TlsCommonOptions {
  crypto: CryptoProvider;
  random: Random;
  /** Wall-clock time in milliseconds since the epoch (certificate validity, ticket ages). */
  nowMs: () => number;
  /** Suites in order of preference (default: all three, AES-128-GCM first). */
  cipherSuites?: readonly CipherSuiteName[];
  /** Key-exchange groups in order of preference (default X25519, then P-256). */
  groups?: readonly KeyExchangeGroup[];
  /** ALPN protocols in order of preference, for example `['http/1.1']` (default: none offered). */
  alpnProtocols?: readonly string[];
  /** Pad application-data records to a multiple of this many bytes (RFC 8446 section 5.4; default 0, none). */
  recordPadding?: number;
}

/** A certificate chain (leaf first) with the leaf's private key. */
export interface CertifiedKey {
  chain: readonly Certificate[];
  key: PrivateKey;
}

export interface TlsServerOptions extends TlsCommonOptions {
  /** Chosen by the client's server name (SNI) against each leaf's names; the first is the default. */
  certificates: readonly CertifiedKey[];
  /** Session tickets sent after each full handshake (default 2; 0 turns resumption off). */
  ticketsPerHandshake?: number;
  /** Lifetime of a ticket (default 2 hours; RFC 8446 allows at most 7 days). */
  ticketLifetimeSeconds?: number;
}

/** What a client keeps to resume a session (from a NewSessionTicket). */
export interface TlsSession {
  serverName: string | null;
  suite: number;
  ticket: Uint8Array;
  psk: Uint8Array;
  ageAdd: number;
  receivedMs: number;
  lifetimeSeconds: number;
  alpn: string | null;
}

export interface TlsClientOptions extends TlsCommonOptions {
  /** The server's name: sent as SNI (unless an IP address) and checked against its certificate. */
  serverName: string | null;
  /** Roots trusted for the server's certificate. */
  trustAnchors: readonly Certificate[];
  /** Groups for which the ClientHello carries a key share (default: the first of `groups`). */
  keyShareGroups?: readonly KeyExchangeGroup[];
  /** A session to resume (from `onSession` of an earlier connection to the same server). */
  session?: TlsSession | null;
  /** Told about each session ticket the server sends. */
  onSession?: (session: TlsSession) => void;
  /**
   * Skips certificate validation entirely. Only for tests against a peer
   * whose identity does not matter; a connection made this way has no
   * authentication at all.
   */
  insecureSkipVerify?: boolean;
}

export const DEFAULT_GROUPS: readonly KeyExchangeGroup[] = ['x25519', 'p256'];

export function configuredSuites(names: readonly CipherSuiteName[] | undefined): CipherSuite[] {
  const suites = names ? names.map(suiteByName) : [...CIPHER_SUITES];
  if (suites.length === 0) throw new RangeError('no cipher suites configured');
  return suites;
}

export function checkAlpn(protocols: readonly string[] | undefined): void {
  for (const p of protocols ?? []) {
    if (p.length === 0 || p.length > 255 || /[^\x20-\x7e]/.test(p)) throw new RangeError(`bad ALPN protocol ${JSON.stringify(p)}`);
  }
}

/** A fresh private key and its share for `group`, from the Random device. */
export function newKeyShare(crypto: CryptoProvider, random: Random, group: KeyExchangeGroup): { privateKey: Uint8Array; share: Uint8Array } {
  // A P-256 scalar must be below the group order; a random one is with overwhelming probability.
  for (let attempt = 0; attempt < 8; attempt++) {
    const privateKey = new Uint8Array(32);
    random.fill(privateKey);
    const share = crypto.keyShare(group, privateKey);
    if (share) return { privateKey, share };
  }
  throw fail('internal_error', 'could not make a key share');
}

export function randomBytes(random: Random, n: number): Uint8Array {
  const b = new Uint8Array(n);
  random.fill(b);
  return b;
}
