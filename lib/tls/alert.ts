/**
 * Alerts (RFC 8446 section 6) and the engine's one error type. Every failure
 * the engine detects is a `TlsError` whose code is the alert it sends (or
 * received); nothing else is thrown out of the engine.
 */
import { KilnError } from '../errors.ts';

/** Alert descriptions used by TLS 1.3 (RFC 8446 section 6). */
export const ALERTS = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

export type AlertName = keyof typeof ALERTS;

const NAMES = new Map<number, AlertName>(Object.entries(ALERTS).map(([k, v]) => [v, k as AlertName]));

export function alertName(code: number): AlertName | null {
  return NAMES.get(code) ?? null;
}

export type TlsErrorCode =
  | AlertName
  /** The peer sent an alert whose code is unknown to us. */
  | 'unknown_alert'
  /** The connection was closed before the handshake completed, or a write came after close. */
  | 'closed';

/**
 * A TLS failure. `sent` says whether this side detected it (and sent the
 * alert) or received it from the peer.
 */
export class TlsError extends KilnError<TlsErrorCode> {
  constructor(
    code: TlsErrorCode,
    message: string,
    readonly sent: boolean = true,
  ) {
    super(code, message);
  }
}

/** A failure detected here, to be answered with `alert`. */
export function fail(alert: AlertName, message: string): TlsError {
  return new TlsError(alert, message, true);
}
