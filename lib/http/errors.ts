import { KilnError } from '../errors.ts';

export type HttpErrorCode =
  /** The message breaks HTTP/1.1 syntax or framing rules (RFC 9112). Answered 400. */
  | 'bad-request'
  /** The request line is longer than the head limit. Answered 414. */
  | 'uri-too-long'
  /** The head is larger, or has more fields, than allowed. Answered 431. */
  | 'header-too-large'
  /** The body is larger than allowed. Answered 413. */
  | 'body-too-large'
  /** A transfer coding other than chunked. Answered 501. */
  | 'not-implemented'
  /** An HTTP major version other than 1. Answered 505. */
  | 'version-not-supported'
  /** The peer was too slow (head, body or idle). Answered 408 by a server. */
  | 'timed-out'
  /** The connection ended before the message was complete. */
  | 'incomplete'
  /** A response that breaks HTTP/1.1 syntax or framing rules (client side). */
  | 'bad-response'
  /** A header name or value that cannot be sent (invalid characters). */
  | 'invalid-header'
  /** A URL the client cannot use (not `http://`, no host, bad port). */
  | 'invalid-url'
  /** A body stream read twice, or after the connection moved on. */
  | 'body-used';

export class HttpError extends KilnError<HttpErrorCode> {}

/** The status a server answers a request error with. */
export const STATUS_FOR_ERROR: Partial<Record<HttpErrorCode, number>> = {
  'bad-request': 400,
  'uri-too-long': 414,
  'header-too-large': 431,
  'body-too-large': 413,
  'not-implemented': 501,
  'version-not-supported': 505,
  'timed-out': 408,
};
