/**
 * multipart/form-data (RFC 7578; the HTML Standard's encoding algorithm):
 * FormData to bytes with a boundary, and bytes back to FormData, as
 * Request/Response bodies need them (body.ts).
 */
import { decodeUtf8Text, encodeUtf8 } from '../text/utf8.ts';
import { Blob, File } from './blob.ts';
import { FormData } from './form-data.ts';

const CRLF = encodeUtf8('\r\n');

/** HTML: a bare CR or LF becomes CRLF. */
const normalizeLineBreaks = (text: string): string => text.replace(/\r\n|\r|\n/g, '\r\n');
/** HTML: what a quoted name or filename in the part's header may not hold as is. */
const escapeQuoted = (text: string): string => text.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
const unescapeQuoted = (text: string): string => text.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%22/g, '"');

function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `----KilnFormBoundary${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The multipart encoding of `form`, and its boundary (for the Content-Type). */
export function encodeMultipart(form: FormData): { bytes: Uint8Array; boundary: string } {
  const boundary = randomBoundary();
  const pieces: Uint8Array[] = [];
  for (const [name, value] of form) {
    let header = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(normalizeLineBreaks(name))}"`;
    if (typeof value === 'string') {
      pieces.push(encodeUtf8(`${header}\r\n\r\n${normalizeLineBreaks(value)}`), CRLF);
      continue;
    }
    header += `; filename="${escapeQuoted(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`;
    pieces.push(encodeUtf8(header), Blob.bytesOf(value), CRLF);
  }
  pieces.push(encodeUtf8(`--${boundary}--\r\n`));
  const bytes = new Uint8Array(pieces.reduce((total, piece) => total + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.length;
  }
  return { bytes, boundary };
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let i = haystack.indexOf(first, from); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** A header's value and its parameters: `form-data; name="a"; filename="b"`. */
function parseParameters(value: string): { value: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const semicolon = value.indexOf(';');
  const head = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const key = m[1]!.toLowerCase();
    if (!params.has(key)) params.set(key, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!.trim());
  }
  return { value: head, params };
}

/** The boundary of a multipart/form-data Content-Type, or null when it is not one. */
export function multipartBoundary(contentType: string): string | null {
  const { value, params } = parseParameters(contentType);
  if (value !== 'multipart/form-data') return null;
  const boundary = params.get('boundary');
  return boundary && boundary.length <= 70 ? boundary : null;
}

/** Parses a multipart/form-data body; a malformed one is a TypeError (as Body.formData() rejects). */
export function decodeMultipart(bytes: Uint8Array, boundary: string): FormData {
  const fail = (what: string): never => {
    throw new TypeError(`formData: malformed multipart body (${what})`);
  };
  const delimiter = encodeUtf8(`--${boundary}`);
  const form = new FormData();
  let at = indexOf(bytes, delimiter, 0);
  if (at < 0) fail('no boundary');
  for (;;) {
    at += delimiter.length;
    // "--" after a delimiter ends the body.
    if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d) return form;
    // Transport padding (spaces, tabs), then the CRLF that ends the delimiter line.
    while (bytes[at] === 0x20 || bytes[at] === 0x09) at++;
    if (bytes[at] !== 0x0d || bytes[at + 1] !== 0x0a) fail('a delimiter line does not end in CRLF');
    at += 2;
    // From the delimiter line's CRLF, so that a part with no headers is found too.
    const headerEnd = indexOf(bytes, encodeUtf8('\r\n\r\n'), at - 2);
    const headerBlock = headerEnd === at - 2 ? '' : headerEnd < 0 ? fail('unterminated part headers') : decodeUtf8Text(bytes.subarray(at, headerEnd));
    const next = indexOf(bytes, encodeUtf8(`\r\n--${boundary}`), headerEnd + 4);
    if (next < 0) fail('no closing boundary');
    const body = bytes.subarray(headerEnd + 4, next);
    const headers = new Map<string, string>();
    for (const line of headerBlock.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) fail(`a part header line without a name: ${JSON.stringify(line)}`);
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = parseParameters(headers.get('content-disposition') ?? fail('a part without Content-Disposition'));
    const name = disposition.params.get('name');
    if (disposition.value !== 'form-data' || name === undefined) fail('a part that is not a named form-data part');
    const filename = disposition.params.get('filename');
    if (filename === undefined) form.append(unescapeQuoted(name!), decodeUtf8Text(body));
    else form.append(unescapeQuoted(name!), new File([body], unescapeQuoted(filename), { type: headers.get('content-type') ?? 'text/plain' }));
    at = next + 2;
  }
}
