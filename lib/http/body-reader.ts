/**
 * Reads a framed body from the wire (RFC 9112 sections 6 and 7): a fixed
 * length, chunked, or until the connection closes. Sizes are checked against
 * the limit before bytes are read, so an oversized body costs nothing.
 */
import { HttpError, type HttpErrorCode } from './errors.ts';
import type { FlowReader } from './flow-reader.ts';
import type { BodyFraming } from './framing.ts';
import { KilnHeaders } from './headers.ts';
import { parseFieldLine } from './head-parser.ts';

export interface BodyLimits {
  /** Most body bytes accepted (413 past it). */
  maxBodyBytes: number;
  /** Most bytes of one chunk-size line or trailer line. */
  maxLineBytes: number;
  /** Most trailer fields. */
  maxTrailerCount: number;
  /** Error code for syntax faults: `bad-request` on a server, `bad-response` on a client. */
  fault: Extract<HttpErrorCode, 'bad-request' | 'bad-response'>;
}

/** Largest piece handed out at once, so one read never pins a huge buffer. */
const MAX_PIECE = 64 * 1024;

/** Hex digits accepted in a chunk size: up to 2^52, exact as a JS number. */
const MAX_CHUNK_SIZE_DIGITS = 13;

/** chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string (RFC 9112 section 7.1.1). */
const CHUNK_EXT =
  /^(?:[ \t]*;[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*=[ \t]*(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|"(?:[\t !#-[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*$/;

/**
 * Yields the body's bytes as they arrive. The views stay valid after the
 * next read. Throws HttpError on framing faults, limits and early ends.
 */
export async function* readBody(reader: FlowReader, framing: BodyFraming, limits: BodyLimits): AsyncGenerator<Uint8Array> {
  switch (framing.kind) {
    case 'none':
      return;
    case 'length':
      if (framing.length > limits.maxBodyBytes) throw tooLarge(limits);
      yield* readExactly(reader, framing.length);
      return;
    case 'until-close': {
      let total = 0;
      for (;;) {
        const piece = await reader.readUpTo(MAX_PIECE);
        if (piece === null) return;
        total += piece.length;
        if (total > limits.maxBodyBytes) throw tooLarge(limits);
        yield piece;
      }
    }
    case 'chunked':
      yield* readChunked(reader, limits);
      return;
  }
}

function tooLarge(limits: BodyLimits): HttpError {
  return new HttpError('body-too-large', `the body is larger than ${limits.maxBodyBytes} bytes`);
}

async function* readExactly(reader: FlowReader, length: number): AsyncGenerator<Uint8Array> {
  let remaining = length;
  while (remaining > 0) {
    const piece = await reader.readUpTo(Math.min(remaining, MAX_PIECE));
    if (piece === null) throw new HttpError('incomplete', `the connection ended ${remaining} bytes before the end of the body`);
    remaining -= piece.length;
    yield piece;
  }
}

async function* readChunked(reader: FlowReader, limits: BodyLimits): AsyncGenerator<Uint8Array> {
  let total = 0;
  for (;;) {
    const line = await reader.readLine(limits.maxLineBytes);
    const m = /^([0-9A-Fa-f]+)(.*)$/s.exec(line);
    if (!m) throw new HttpError(limits.fault, `invalid chunk size line ${JSON.stringify(line.slice(0, 40))}`);
    const digits = m[1]!.replace(/^0+(?=.)/, '');
    if (digits.length > MAX_CHUNK_SIZE_DIGITS) throw new HttpError(limits.fault, 'chunk size too large');
    if (!CHUNK_EXT.test(m[2]!)) throw new HttpError(limits.fault, 'invalid chunk extension');
    const size = parseInt(digits, 16);
    if (size === 0) break;
    total += size;
    if (total > limits.maxBodyBytes) throw tooLarge(limits);
    yield* readExactly(reader, size);
    await reader.expectCrlf();
  }
  // Trailer section: checked like header fields, then dropped (nothing here uses trailers).
  const trailers = new KilnHeaders();
  for (;;) {
    const line = await reader.readLine(limits.maxLineBytes);
    if (line === '') return;
    parseFieldLine(line, trailers, limits.maxTrailerCount, limits.fault);
  }
}
