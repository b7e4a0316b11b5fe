/**
 * Writes HTTP/1.1 messages to a Flow: the head as Latin-1 (header values were
 * checked when set, so nothing here can inject a line), then the body with a
 * Content-Length or chunked (RFC 9112 section 7.1).
 */
import type { Flow } from '../devices/flow.ts';
import { Body } from '../web/body.ts';
import { KilnHeaders } from './headers.ts';
import { CHUNKED, NO_BODY, parseContentLength, UNTIL_CLOSE, type BodyFraming } from './framing.ts';
import { encodeLatin1 } from '../text/latin1.ts';

/** What writing a message needs of a flow (a server passes one whose writes have a deadline). */
export type MessageSink = Pick<Flow, 'write' | 'abort'>;

/** How the body goes out: with its length known up front, chunked, until close, or not at all. */
export type OutgoingFraming = BodyFraming;

/** Bodies up to this size travel in the same write as the head: one segment for small answers. */
export const COALESCE_LIMIT = 16 * 1024;

const CRLF = new Uint8Array([0x0d, 0x0a]);
const LAST_CHUNK = new Uint8Array([0x30, 0x0d, 0x0a, 0x0d, 0x0a]); // "0\r\n\r\n": no trailers

/** Names whose usual spelling is not simple capitalisation. */
const canonicalNames = new Map<string, string>([
  ['etag', 'ETag'],
  ['te', 'TE'],
  ['www-authenticate', 'WWW-Authenticate'],
]);

/** `content-type` → `Content-Type`: what most peers and people expect to see, though names are case-insensitive. */
function canonicalName(lower: string): string {
  let name = canonicalNames.get(lower);
  if (name === undefined) {
    name = lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    if (canonicalNames.size < 512) canonicalNames.set(lower, name); // bounded: names come from peers too
  }
  return name;
}

/** Encoded field lines, by name and value: most responses repeat the same few, and copying bytes beats encoding text (much more so in QuickJS, where the encoding is an interpreted loop). */
const lineCache = new Map<string, Uint8Array>();
const LINE_CACHE_ENTRIES = 256;
/** Longer lines (cookies, one-off values) are encoded each time rather than cached. */
const LINE_CACHE_MAX_CHARS = 96;

/** Latin-1 bytes of text whose characters are all below U+0100 (checked when the fields were set). */
function bytesOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** `Name: value\r\n` as bytes, from the lowercase name and the checked value. */
export function fieldLine(name: string, value: string): Uint8Array {
  const key = `${name}:${value}`; // a name is a token, so it holds no ':' and the key is unambiguous
  let line = lineCache.get(key);
  if (line === undefined) {
    line = bytesOf(`${canonicalName(name)}: ${value}\r\n`);
    if (key.length > LINE_CACHE_MAX_CHARS) return line;
    if (lineCache.size >= LINE_CACHE_ENTRIES) lineCache.clear();
    lineCache.set(key, line);
  }
  return line;
}

/** Encoded start lines with their CRLF: a server sends the same few status lines over and over. Bounded like lineCache. */
const startLineCache = new Map<string, Uint8Array>();

function startLineBytes(startLine: string): Uint8Array {
  let bytes = startLineCache.get(startLine);
  if (bytes === undefined) {
    bytes = bytesOf(`${startLine}\r\n`);
    if (startLine.length > LINE_CACHE_MAX_CHARS) return bytes;
    if (startLineCache.size >= LINE_CACHE_ENTRIES) startLineCache.clear();
    startLineCache.set(startLine, bytes);
  }
  return bytes;
}

/** The encoded lines of the head being serialized, an array kept from one head to the next. */
const headLines: Uint8Array[] = [];

/**
 * The head (start line, fields, empty line) as bytes, followed by `body` in
 * the same array when given: one allocation and one write for a small
 * message.
 */
export function serializeHead(startLine: string, headers: KilnHeaders, body?: Uint8Array): Uint8Array {
  const lines = headLines; // reused: nothing here can run another serializeHead before assembleHead copies them
  const fields = KilnHeaders.fieldsOf(headers);
  const count = fields.length;
  for (let i = 0; i < count; i++) lines[i] = fieldLine(fields[i]![0], fields[i]![1]);
  const out = assembleHead(startLine, lines, count, body);
  if (lines.length > LINE_CACHE_ENTRIES) lines.length = 0; // a head with very many fields does not stay held
  return out;
}

/** The head from the first `count` encoded field `lines` (see `fieldLine`), then `body` when given, in one array. */
export function assembleHead(startLine: string, lines: readonly Uint8Array[], count: number, body?: Uint8Array): Uint8Array {
  const start = startLineBytes(startLine);
  let length = start.length + 2;
  for (let i = 0; i < count; i++) length += lines[i]!.length;
  const out = new Uint8Array(length + (body?.length ?? 0));
  out.set(start);
  let o = start.length;
  for (let i = 0; i < count; i++) {
    const line = lines[i]!;
    out.set(line, o);
    o += line.length;
  }
  out[o++] = 0x0d;
  out[o++] = 0x0a;
  if (body) out.set(body, o);
  return out;
}

/**
 * Decides how an outgoing body is framed and sets the headers to match,
 * replacing any Transfer-Encoding the sender set: bytes and strings get a
 * Content-Length; a stream keeps a valid Content-Length its sender declared,
 * else is chunked where the peer speaks HTTP/1.1, else runs until close.
 *
 * @param emptyGetsLength an absent body is sent as `Content-Length: 0` (responses), or with no length at all (requests)
 */
export function chooseFraming(
  headers: KilnHeaders,
  body: Body | null,
  chunkedAllowed: boolean,
  emptyGetsLength: boolean,
): OutgoingFraming {
  KilnHeaders.deleteKnown(headers, 'transfer-encoding');
  const known = body === null ? 0 : Body.knownLength(body);
  if (known !== null) {
    const length = known;
    if (length > 0 || emptyGetsLength) KilnHeaders.setKnown(headers, 'content-length', String(length));
    else KilnHeaders.deleteKnown(headers, 'content-length');
    return length > 0 ? { kind: 'length', length } : NO_BODY;
  }
  let declared: number | null = null;
  try {
    declared = parseContentLength(headers, 'bad-request');
  } catch {
    headers.delete('content-length'); // the sender's own value is unusable: frame it ourselves
  }
  if (declared !== null) return { kind: 'length', length: declared };
  if (chunkedAllowed) {
    headers.set('transfer-encoding', 'chunked');
    return CHUNKED;
  }
  return UNTIL_CLOSE;
}

/**
 * Writes the head and the body. Under `length` framing a stream must yield
 * exactly `Content-Length` bytes, else the flow is aborted (the peer would
 * otherwise misread what follows); under `none` a stream is cancelled unread
 * (HEAD responses).
 */
export function writeMessage(
  flow: MessageSink,
  startLine: string,
  headers: KilnHeaders,
  body: Body | null,
  framing: OutgoingFraming,
): Promise<void> {
  // Most messages are one write: no async frame of their own.
  const whole = singleWrite(startLine, headers, body, framing);
  return whole !== null ? flow.write(whole) : writeInParts(flow, startLine, headers, body!, framing);
}

/**
 * The whole message as one buffer when it goes in one write (no body, or
 * bytes small enough to share the head's write), taking the body; else
 * null, the body untouched.
 */
export function singleWrite(startLine: string, headers: KilnHeaders, body: Body | null, framing: OutgoingFraming): Uint8Array | null {
  if (body === null || Body.knownLength(body) === 0) return serializeHead(startLine, headers);
  const bytes = coalesced(body, framing) ? Body.takeBytes(body) : null;
  return bytes !== null ? serializeHead(startLine, headers, bytes) : null;
}

/** Whether the body travels in the head's write. */
const coalesced = (body: Body, framing: OutgoingFraming): boolean => {
  const known = Body.knownLength(body);
  return framing.kind === 'length' && known !== null && known <= COALESCE_LIMIT;
};

async function writeInParts(flow: MessageSink, startLine: string, headers: KilnHeaders, body: Body, framing: OutgoingFraming): Promise<void> {
  if (framing.kind === 'none') {
    await flow.write(serializeHead(startLine, headers));
    await Body.discard(body);
    return;
  }
  if (coalesced(body, framing)) {
    await flow.write(serializeHead(startLine, headers, await body.bytes()));
    return;
  }
  await flow.write(serializeHead(startLine, headers));
  if (framing.kind === 'until-close') {
    for await (const chunk of Body.chunks(body)) await flow.write(chunk);
    return;
  }
  if (framing.kind === 'length') {
    await writeExactly(flow, body, framing.length);
    return;
  }
  for await (const chunk of Body.chunks(body)) await writeChunk(flow, chunk);
  await flow.write(LAST_CHUNK);
}

async function writeExactly(flow: MessageSink, body: Body, length: number): Promise<void> {
  let sent = 0;
  for await (const chunk of Body.chunks(body)) {
    sent += chunk.length;
    if (sent > length) break;
    await flow.write(chunk);
  }
  if (sent !== length) {
    flow.abort();
    // The sender's own mistake (a wrong Content-Length), reported as such rather than as a network failure.
    throw new RangeError(`the body stream gave ${sent > length ? 'more' : 'fewer'} bytes than its Content-Length of ${length}`);
  }
}

async function writeChunk(flow: MessageSink, chunk: Uint8Array): Promise<void> {
  const size = encodeLatin1(`${chunk.length.toString(16)}\r\n`)!;
  if (chunk.length > COALESCE_LIMIT) {
    await flow.write(size);
    await flow.write(chunk);
    await flow.write(CRLF);
    return;
  }
  const framed = new Uint8Array(size.length + chunk.length + 2);
  framed.set(size);
  framed.set(chunk, size.length);
  framed.set(CRLF, size.length + chunk.length);
  await flow.write(framed);
}
