/**
 * Strict parsing of HTTP/1.1 message heads (RFC 9112 sections 3-5). Anything
 * a lenient parser might read differently from a proxy in front of it is an
 * error here: that disagreement is what request smuggling exploits.
 */
import { HttpError, type HttpErrorCode } from './errors.ts';
import { KilnHeaders } from './headers.ts';
import { isFieldValue, isHost, isRequestTarget, isToken, trimOws } from './syntax.ts';

export type HttpVersion = '1.0' | '1.1';

export interface RequestHead {
  method: string;
  /** The request-target exactly as sent. */
  target: string;
  version: HttpVersion;
  headers: KilnHeaders;
}

export interface ResponseHead {
  status: number;
  reason: string;
  version: HttpVersion;
  headers: KilnHeaders;
}

type Fault = Extract<HttpErrorCode, 'bad-request' | 'bad-response'>;

/** Splits a head (Latin-1 text ending in CRLF CRLF, line endings already checked by the reader) into lines. */
function linesOf(head: string): string[] {
  const lines = head.split('\r\n');
  lines.length -= 2; // the empty line and what follows its CRLF
  return lines;
}

function parseVersion(text: string, fault: Fault): HttpVersion {
  // The two versions nearly every message carries, without a regex run.
  if (text === 'HTTP/1.1') return '1.1';
  if (text === 'HTTP/1.0') return '1.0';
  const m = /^HTTP\/(\d)\.(\d)$/.exec(text);
  if (!m) throw new HttpError(fault, `invalid HTTP version ${JSON.stringify(text)}`);
  if (m[1] !== '1') throw new HttpError('version-not-supported', `HTTP/${m[1]}.${m[2]} is not supported`);
  // A later 1.x minor version is answered as 1.1 (RFC 9110 section 6.2).
  return m[2] === '0' ? '1.0' : '1.1';
}

/**
 * Parses field lines into `headers`: `name ":" OWS value OWS`, the name a
 * token with no whitespace before the colon (RFC 9112 section 5.1), no
 * obs-fold (section 5.2), values without CR, LF, NUL or other controls.
 * Starts at `lines[first]` (a head's start line is not a field).
 */
export function parseFieldLines(
  lines: readonly string[],
  headers: KilnHeaders,
  maxCount: number,
  fault: Fault,
  first = 0,
): void {
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) throw new HttpError(fault, 'obsolete line folding in a header field');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpError(fault, `header line without a name and colon: ${JSON.stringify(line.slice(0, 40))}`);
    const name = line.slice(0, colon);
    if (!isToken(name)) throw new HttpError(fault, `invalid header name ${JSON.stringify(name.slice(0, 40))}`);
    const value = trimOws(line.slice(colon + 1));
    if (!isFieldValue(value)) throw new HttpError(fault, `invalid characters in header '${name}'`);
    if (KilnHeaders.fieldsOf(headers).length >= maxCount) throw new HttpError('header-too-large', `more than ${maxCount} header fields`);
    KilnHeaders.appendParsed(headers, name.toLowerCase(), value);
  }
}

/** Parses a request head: request line and fields, including the Host rules of RFC 9112 section 3.2. */
export function parseRequestHead(head: string, maxHeaderCount: number): RequestHead {
  const lines = linesOf(head);
  const requestLine = lines[0] ?? '';
  const parts = requestLine.split(' ');
  if (parts.length !== 3) throw new HttpError('bad-request', 'the request line is not "method SP target SP version"');
  // Indexed, not destructured: an array pattern runs the iterator protocol.
  const method = parts[0]!;
  const target = parts[1]!;
  const versionText = parts[2]!;
  if (!isToken(method)) throw new HttpError('bad-request', `invalid method ${JSON.stringify(method.slice(0, 20))}`);
  if (!isRequestTarget(target)) throw new HttpError('bad-request', 'invalid characters in the request target');
  const version = parseVersion(versionText, 'bad-request');
  checkTargetForm(method, target);

  const headers = new KilnHeaders();
  parseFieldLines(lines, headers, maxHeaderCount, 'bad-request', 1);
  const hosts = KilnHeaders.valuesOf(headers, 'host');
  if (hosts.length > 1) throw new HttpError('bad-request', 'more than one Host header');
  if (version === '1.1' && hosts.length === 0) throw new HttpError('bad-request', 'HTTP/1.1 request without a Host header');
  if (hosts.length === 1 && !isHost(hosts[0]!)) {
    throw new HttpError('bad-request', 'invalid Host header');
  }
  return { method, target, version, headers };
}

/** The four request-target forms (RFC 9112 section 3.2), each only where it belongs. */
function checkTargetForm(method: string, target: string): void {
  if (target.startsWith('/')) return;
  if (target === '*' && method === 'OPTIONS') return;
  if (method === 'CONNECT' && /^[^/?#@]+:\d+$/.test(target)) return;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target) && method !== 'CONNECT') return;
  throw new HttpError('bad-request', `invalid request target for ${method}`);
}

/** Parses a response head: status line and fields. */
export function parseResponseHead(head: string, maxHeaderCount: number): ResponseHead {
  const lines = linesOf(head);
  const statusLine = lines[0] ?? '';
  const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) throw new HttpError('bad-response', `invalid status line ${JSON.stringify(statusLine.slice(0, 60))}`);
  const version = parseVersion(m[1]!, 'bad-response');
  const reason = m[3] ?? '';
  if (!isFieldValue(reason)) throw new HttpError('bad-response', 'invalid characters in the reason phrase');
  const headers = new KilnHeaders();
  parseFieldLines(lines, headers, maxHeaderCount, 'bad-response', 1);
  return { status: Number(m[2]), reason, version, headers };
}
