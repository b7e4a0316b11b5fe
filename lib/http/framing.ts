/**
 * How a message's body is delimited (RFC 9112 section 6). The rules are
 * applied strictly: every case where two parsers could disagree on where a
 * body ends (both Content-Length and Transfer-Encoding, conflicting lengths,
 * chunked not last or twice) is an error, never a guess.
 */
import { HttpError, type HttpErrorCode } from './errors.ts';
import { KilnHeaders } from './headers.ts';
import type { RequestHead, ResponseHead } from './head-parser.ts';
import { splitList } from './syntax.ts';

export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Response only: the body runs until the server closes the connection. */
  | { kind: 'until-close' };

// The framings without a length, made once: most messages take one of these, with no object of their own.
export const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
export const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
export const UNTIL_CLOSE: BodyFraming = Object.freeze({ kind: 'until-close' });

type Fault = Extract<HttpErrorCode, 'bad-request' | 'bad-response'>;

/** Digits we accept in a Content-Length: enough for 999 TB, and exact as a JS number. */
const MAX_LENGTH_DIGITS = 15;

/**
 * Content-Length from every field and list member: each 1*DIGIT, all equal
 * (RFC 9110 section 8.6). Null when absent.
 */
export function parseContentLength(headers: KilnHeaders, fault: Fault): number | null {
  const fields = KilnHeaders.valuesOf(headers, 'content-length');
  if (fields.length === 0) return null;
  let length: string | null = null;
  for (const field of fields) {
    const members = field.split(',').map((m) => m.trim());
    for (const m of members) {
      if (!/^\d+$/.test(m) || m.length > MAX_LENGTH_DIGITS) throw new HttpError(fault, `invalid Content-Length ${JSON.stringify(m)}`);
      const normal = m.replace(/^0+(?=\d)/, '');
      if (length !== null && normal !== length) throw new HttpError(fault, 'conflicting Content-Length values');
      length = normal;
    }
  }
  return Number(length);
}

/** Transfer codings, lower case, in order; null when the field is absent. */
function transferCodings(headers: KilnHeaders, fault: Fault): string[] | null {
  const fields = KilnHeaders.valuesOf(headers, 'transfer-encoding');
  if (fields.length === 0) return null;
  const codings = splitList(fields.join(',')).map((c) => c.toLowerCase());
  if (codings.length === 0) throw new HttpError(fault, 'empty Transfer-Encoding');
  return codings;
}

/** Framing of a request body; `maxBodyBytes` turns a too-large declared length into 413 before any byte is read. */
export function requestFraming(head: RequestHead, maxBodyBytes: number): BodyFraming {
  const codings = transferCodings(head.headers, 'bad-request');
  const length = parseContentLength(head.headers, 'bad-request');
  if (codings !== null) {
    if (head.version === '1.0') throw new HttpError('bad-request', 'Transfer-Encoding in an HTTP/1.0 request');
    if (length !== null) throw new HttpError('bad-request', 'both Transfer-Encoding and Content-Length');
    if (codings[codings.length - 1] !== 'chunked') throw new HttpError('bad-request', 'the final transfer coding is not chunked');
    if (codings.indexOf('chunked') !== codings.length - 1) throw new HttpError('bad-request', 'chunked applied more than once');
    if (codings.length > 1) throw new HttpError('not-implemented', `unsupported transfer coding '${codings[0]}'`);
    return CHUNKED;
  }
  if (length === null || length === 0) return NO_BODY;
  if (length > maxBodyBytes) throw new HttpError('body-too-large', `Content-Length ${length} is over the limit of ${maxBodyBytes}`);
  return { kind: 'length', length };
}

/** Framing of a response body, which also depends on the request (RFC 9112 section 6.3). */
export function responseFraming(head: ResponseHead, requestMethod: string): BodyFraming {
  const s = head.status;
  if (requestMethod === 'HEAD' || (s >= 100 && s < 200) || s === 204 || s === 304) return NO_BODY;
  if (requestMethod === 'CONNECT' && s >= 200 && s < 300) return NO_BODY;
  const codings = transferCodings(head.headers, 'bad-response');
  const length = parseContentLength(head.headers, 'bad-response');
  if (codings !== null) {
    if (length !== null) throw new HttpError('bad-response', 'both Transfer-Encoding and Content-Length');
    if (codings[codings.length - 1] !== 'chunked') return UNTIL_CLOSE;
    if (codings.length > 1) throw new HttpError('not-implemented', `unsupported transfer coding '${codings[0]}'`);
    return CHUNKED;
  }
  if (length !== null) return length === 0 ? NO_BODY : { kind: 'length', length };
  return UNTIL_CLOSE;
}
