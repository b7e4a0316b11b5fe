import { KilnError } from '../errors.ts';

export type DnsErrorCode =
  /** The name is not a valid host name (empty label, label over 63 bytes, name over 253, bad characters). */
  | 'invalid-name'
  /** The name does not exist (NXDOMAIN). */
  | 'not-found'
  /** The name exists but has no A record. */
  | 'no-data'
  /** The server failed or refused (SERVFAIL, REFUSED, NOTIMP, ...). */
  | 'server-failure'
  /** No answer from any server after every retry. */
  | 'timed-out'
  /** The answer broke the DNS message format. */
  | 'malformed'
  /** No DNS server is configured (no `--resolver=IP`, nothing from DHCP). */
  | 'no-resolver';

export class DnsError extends KilnError<DnsErrorCode> {}
