/**
 * Writes HTTP/1.1 messages to a Flow: the head as Latin-1 (header values were
 * checked when set, so nothing here can inject a line), then the body with a
 * Content-Length or chunked (RFC 9112 section 7.1).
 */
import type { Flow } from '../devices/flow.ts';
import type { KilnBody } from './body.ts';
import type { KilnHeaders } from './headers.ts';
import { encodeLatin1 } from '../text/latin1.ts';

/** How the body goes out: with its length known up front, chunked, until close, or not at all. */
export type OutgoingFraming = 'length' | 'chunked' | 'until-close' | 'none';

/** Bodies up to this size travel in the same write as the head: one segment for small answers. */
const COALESCE_LIMIT = 16 * 1024;

const CRLF = new Uint8Array([0x0d, 0x0a]);
const LAST_CHUNK = new Uint8Array([0x30, 0x0d, 0x0a, 0x0d, 0x0a]); // "0\r\n\r\n": no trailers

const canonicalNames = new Map<string, string>();

/** `content-type` → `Content-Type`: what most peers and people expect to see, though names are case-insensitive. */
function canonicalName(lower: string): string {
  let name = canonicalNames.get(lower);
  if (name === undefined) {
    name = lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    if (canonicalNames.size < 512) canonicalNames.set(lower, name);
  }
  return name;
}

/** The head: start line, fields, empty line. Values are already checked, so Latin-1 encoding cannot fail. */
export function serializeHead(startLine: string, headers: KilnHeaders): Uint8Array {
  let text = `${startLine}\r\n`;
  for (const [name, value] of headers) text += `${canonicalName(name)}: ${value}\r\n`;
  text += '\r\n';
  const bytes = encodeLatin1(text);
  if (bytes === null) throw new RangeError('a header holds characters above U+00FF'); // unreachable: values are checked
  return bytes;
}

/**
 * Writes the head and the body. For `length` framing the body must have a
 * known length (the caller put it in Content-Length); a stream body under
 * `none` is cancelled unread (HEAD responses).
 */
export async function writeMessage(flow: Flow, head: Uint8Array, body: KilnBody | null, framing: OutgoingFraming): Promise<void> {
  if (body === null || framing === 'none') {
    await flow.write(head);
    if (body !== null) await body.cancel();
    return;
  }
  if (framing === 'length' && body.length !== null && body.length <= COALESCE_LIMIT) {
    const bytes = await body.bytes();
    const both = new Uint8Array(head.length + bytes.length);
    both.set(head);
    both.set(bytes, head.length);
    await flow.write(both);
    return;
  }
  await flow.write(head);
  if (framing !== 'chunked') {
    for await (const chunk of body) await flow.write(chunk);
    return;
  }
  for await (const chunk of body) await writeChunk(flow, chunk);
  await flow.write(LAST_CHUNK);
}

async function writeChunk(flow: Flow, chunk: Uint8Array): Promise<void> {
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
