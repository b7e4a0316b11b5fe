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

/** Where a head's start line ends (its CR; line endings already checked by the reader). */
const startLineEnd = (head: string): number => head.indexOf('\r\n');

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
 * Field lines that parsed before, by their text, as the [lower-case name,
 * value] they gave: most heads repeat the same few lines (Host, User-Agent,
 * Accept), and a look-up costs less than checking a line again. Only lines
 * that parsed go in, so a hit answers as parsing would. Bounded, emptied
 * when full; the pairs are shared, which is safe as a header list never
 * changes a pair in place.
 */
const parsedLines = new Map<string, readonly [string, string]>();
const PARSED_LINE_ENTRIES = 256;
/** Longer lines (cookies, tokens) are parsed each time rather than remembered. */
const PARSED_LINE_MAX_CHARS = 256;

/**
 * Parses one field line into `headers`: `name ":" OWS value OWS`, the name
 * a token with no whitespace before the colon (RFC 9112 section 5.1), no
 * obs-fold (section 5.2), values without CR, LF, NUL or other controls.
 */
export function parseFieldLine(line: string, headers: KilnHeaders, maxCount: number, fault: Fault): void {
  let field = parsedLines.get(line);
  if (field === undefined) {
    field = checkFieldLine(line, fault);
    if (line.length <= PARSED_LINE_MAX_CHARS) {
      if (parsedLines.size >= PARSED_LINE_ENTRIES) parsedLines.clear();
      parsedLines.set(line, field);
    }
  }
  if (KilnHeaders.fieldsOf(headers).length >= maxCount) throw new HttpError('header-too-large', `more than ${maxCount} header fields`);
  KilnHeaders.appendField(headers, field);
}

function checkFieldLine(line: string, fault: Fault): readonly [string, string] {
  const first = line.charCodeAt(0);
  if (first === 0x20 || first === 0x09) throw new HttpError(fault, 'obsolete line folding in a header field');
  const colon = line.indexOf(':');
  if (colon <= 0) throw new HttpError(fault, `header line without a name and colon: ${JSON.stringify(line.slice(0, 40))}`);
  const name = line.slice(0, colon);
  if (!isToken(name)) throw new HttpError(fault, `invalid header name ${JSON.stringify(name.slice(0, 40))}`);
  const value = trimOws(line.slice(colon + 1));
  if (!isFieldValue(value)) throw new HttpError(fault, `invalid characters in header '${name}'`);
  return [name.toLowerCase(), value];
}

/**
 * Parses a head's field lines, from `from` (just after the start line's
 * CRLF) up to the empty line that ends it. Line by line with `indexOf`,
 * not `split`: building the array of lines cost more than parsing them.
 */
function parseFieldBlock(head: string, from: number, headers: KilnHeaders, maxCount: number, fault: Fault): void {
  const end = head.length - 2; // the empty line's CRLF
  while (from < end) {
    const lineEnd = head.indexOf('\r\n', from);
    parseFieldLine(head.slice(from, lineEnd), headers, maxCount, fault);
    from = lineEnd + 2;
  }
}

/** A request line's parts. */
interface RequestLine {
  method: string;
  target: string;
  version: HttpVersion;
}

/** Request lines that parsed before (bounded, like parsedLines): a server sees the same few again and again. */
const parsedRequestLines = new Map<string, RequestLine>();

/** Parses a request head: request line and fields, including the Host rules of RFC 9112 section 3.2. */
export function parseRequestHead(head: string, maxHeaderCount: number): RequestHead {
  const lineEnd = startLineEnd(head);
  const requestLine = head.slice(0, lineEnd);
  let parsed = parsedRequestLines.get(requestLine);
  if (parsed === undefined) {
    parsed = parseRequestLine(requestLine);
    if (requestLine.length <= PARSED_LINE_MAX_CHARS) {
      if (parsedRequestLines.size >= PARSED_LINE_ENTRIES) parsedRequestLines.clear();
      parsedRequestLines.set(requestLine, parsed);
    }
  }
  const { method, target, version } = parsed;

  const headers = new KilnHeaders();
  parseFieldBlock(head, lineEnd + 2, headers, maxHeaderCount, 'bad-request');
  const hosts = KilnHeaders.valuesOf(headers, 'host');
  if (hosts.length > 1) throw new HttpError('bad-request', 'more than one Host header');
  if (version === '1.1' && hosts.length === 0) throw new HttpError('bad-request', 'HTTP/1.1 request without a Host header');
  if (hosts.length === 1 && !isHost(hosts[0]!)) {
    throw new HttpError('bad-request', 'invalid Host header');
  }
  return { method, target, version, headers };
}

/** `method SP request-target SP HTTP-version`, each part checked. */
function parseRequestLine(requestLine: string): RequestLine {
  const sp1 = requestLine.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0) throw new HttpError('bad-request', 'the request line is not "method SP target SP version"');
  const method = requestLine.slice(0, sp1);
  const target = requestLine.slice(sp1 + 1, sp2);
  const versionText = requestLine.slice(sp2 + 1);
  if (!isToken(method)) throw new HttpError('bad-request', `invalid method ${JSON.stringify(method.slice(0, 20))}`);
  if (!isRequestTarget(target)) throw new HttpError('bad-request', 'invalid characters in the request target');
  const version = parseVersion(versionText, 'bad-request');
  checkTargetForm(method, target);
  return { method, target, version };
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
  const lineEnd = startLineEnd(head);
  const statusLine = head.slice(0, lineEnd);
  const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) throw new HttpError('bad-response', `invalid status line ${JSON.stringify(statusLine.slice(0, 60))}`);
  const version = parseVersion(m[1]!, 'bad-response');
  const reason = m[3] ?? '';
  if (!isFieldValue(reason)) throw new HttpError('bad-response', 'invalid characters in the reason phrase');
  const headers = new KilnHeaders();
  parseFieldBlock(head, lineEnd + 2, headers, maxHeaderCount, 'bad-response');
  return { status: Number(m[2]), reason, version, headers };
}
