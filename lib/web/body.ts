/**
 * The Body mixin (Fetch Standard section 5.3) that Request and Response
 * share: a body is bytes known up front or a stream of bytes, read once by
 * `text()`, `json()`, `arrayBuffer()`, `bytes()`, `blob()`, `formData()` or
 * through `body`.
 *
 * This is Kiln's one body implementation: lib/http's messages are these
 * Requests and Responses. A body that arrives (a server's request body, a
 * client's response body) is kept as the async iterable of its chunks and
 * becomes a ReadableStream only when `body` is asked for; the statics at the
 * end let lib/http read and write bodies without building streams.
 */
import { decodeUtf8Text, encodeUtf8 } from '../text/utf8.ts';
import { Blob } from './blob.ts';
import { FormData } from './form-data.ts';
import { Headers, type HeadersInit } from './headers.ts';
import { decodeMultipart, encodeMultipart, multipartBoundary } from './multipart.ts';
import { ReadableStream } from './readable-stream.ts';
import { URLSearchParams } from './url-search-params.ts';

export type BodyInit = string | ArrayBuffer | ArrayBufferView | Blob | FormData | URLSearchParams | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

// Internal state under module-private symbols rather than #private fields: bundles for
// images target ES2020, which turns #private into WeakMap lookups at every access.
const BYTES = Symbol('bytes');
const STREAM = Symbol('stream');
const SOURCE = Symbol('source');
const HAS_BODY = Symbol('hasBody');
const USED = Symbol('used');

export abstract class Body {
  declare [BYTES]: Uint8Array | null;
  declare [STREAM]: ReadableStream<Uint8Array> | null;
  /** Chunks not wrapped in a stream yet (`body` wraps them). */
  declare [SOURCE]: AsyncIterable<Uint8Array> | null;
  declare [HAS_BODY]: boolean;
  /** Read other than through `[STREAM]` (whose own state says when it was). */
  declare [USED]: boolean;

  /** The fields of the message around the body (its Content-Type is the body's), or null for a body with no message. */
  abstract get headers(): Headers | null;

  /**
   * What constructing a Request or a Response shares: its headers from
   * `headersInit`, then (unless `refusal` says why the body is not allowed:
   * a TypeError with that text) its body from `body` with the Content-Type
   * it implies. Returns the headers.
   */
  protected initMessage(headersInit: HeadersInit | undefined, body: BodyInit | null | undefined, refusal: string | null): Headers {
    const headers = new Headers(headersInit);
    if (refusal !== null) throw new TypeError(refusal);
    const type = this.initBody(body);
    if (type !== null && !Headers.hasKnown(headers, 'content-type')) Headers.appendParsed(headers, 'content-type', type);
    return headers;
  }

  /**
   * `initMessage` with no headers init, the Headers object not made: sets
   * the body and returns the Content-Type it implies (null for none), the
   * one field such a message's headers would hold.
   */
  protected initMessageType(body: BodyInit | null | undefined, refusal: string | null): string | null {
    if (refusal !== null) throw new TypeError(refusal);
    return this.initBody(body);
  }

  /** Sets the body from `init` (Fetch's "extract a body"); returns the Content-Type it implies, or null. */
  private initBody(init: BodyInit | null | undefined): string | null {
    if (init === null || init === undefined) return null;
    this[HAS_BODY] = true;
    let type: string | null = null;
    if (typeof init === 'string') {
      this[BYTES] = encodeUtf8(init);
      type = 'text/plain;charset=UTF-8';
    } else if (init instanceof URLSearchParams) {
      this[BYTES] = encodeUtf8(init.toString());
      type = 'application/x-www-form-urlencoded;charset=UTF-8';
    } else if (init instanceof Blob) {
      this[BYTES] = Blob.bytesOf(init).slice();
      type = init.type || null;
    } else if (init instanceof FormData) {
      const { bytes, boundary } = encodeMultipart(init);
      this[BYTES] = bytes;
      type = `multipart/form-data; boundary=${boundary}`;
    } else if (init instanceof ArrayBuffer) this[BYTES] = new Uint8Array(init.slice(0));
    else if (ArrayBuffer.isView(init)) this[BYTES] = new Uint8Array(init.buffer.slice(init.byteOffset, init.byteOffset + init.byteLength));
    else if (init instanceof ReadableStream) this[STREAM] = init;
    else if (typeof init === 'object' && Symbol.asyncIterator in init) this[SOURCE] = init;
    else {
      // Anything else is taken as text, as WebIDL's USVString conversion of the union's last member does.
      this[BYTES] = encodeUtf8(String(init));
      type = 'text/plain;charset=UTF-8';
    }
    return type;
  }

  /** Moves `other`'s body here (Request from a Request), leaving `other` used. */
  protected takeBodyFrom(other: Body): void {
    if (!other[HAS_BODY]) return;
    if (other.bodyUsed) throw new TypeError('the body was already read');
    this[BYTES] = other[BYTES];
    this[STREAM] = other[STREAM];
    this[SOURCE] = other[SOURCE];
    this[HAS_BODY] = true;
    other[USED] = true;
    other[BYTES] = null;
    other[SOURCE] = null;
    // What is left behind is a disturbed, empty stream.
    other[STREAM] = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    void other[STREAM].cancel();
  }

  /** This body for a clone: bytes shared, a stream teed. */
  protected cloneBodyInto(other: Body): void {
    if (this.bodyUsed) throw new TypeError('clone: the body was already read');
    other[HAS_BODY] = this[HAS_BODY];
    other[BYTES] = this[BYTES];
    if (this[SOURCE]) void this.body;
    if (this[STREAM]) [this[STREAM], other[STREAM]] = this[STREAM].tee();
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (!this[HAS_BODY]) return null;
    if (this[SOURCE]) {
      this[STREAM] = ReadableStream.from(this[SOURCE]);
      this[SOURCE] = null;
    } else if (!this[STREAM]) {
      const bytes = this[BYTES]!;
      this[BYTES] = null;
      this[STREAM] = new ReadableStream<Uint8Array>({
        start(controller) {
          if (bytes.length > 0) controller.enqueue(bytes);
          controller.close();
        },
      });
    }
    return this[STREAM];
  }

  get bodyUsed(): boolean {
    return this[USED] || (this[STREAM] !== null && ReadableStream.isDisturbed(this[STREAM]));
  }

  async bytes(): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError('the body was already read');
    if (this[STREAM]?.locked) throw new TypeError('the body is locked to a reader');
    const bytes = Body.takeBytes(this);
    if (bytes !== null) return bytes;
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of Body.chunks(this)) {
      chunks.push(chunk);
      total += chunk.length;
    }
    return concatBytes(chunks, total);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** UTF-8 decoded, a leading BOM dropped, invalid sequences replaced. */
  async text(): Promise<string> {
    return decodeUtf8Text(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()], { type: contentTypeOf(this) });
  }

  /** A multipart/form-data or application/x-www-form-urlencoded body as FormData; any other is a TypeError. */
  async formData(): Promise<FormData> {
    const contentType = contentTypeOf(this);
    const boundary = multipartBoundary(contentType);
    if (boundary !== null) return decodeMultipart(await this.bytes(), boundary);
    if (/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) {
      const form = new FormData();
      for (const [name, value] of new URLSearchParams(await this.text())) form.append(name, value);
      return form;
    }
    throw new TypeError(`formData: the body's Content-Type is not multipart/form-data or application/x-www-form-urlencoded: ${JSON.stringify(contentType)}`);
  }

  // lib/http's access: bodies set from the wire and written to it, no streams built.

  /** A body with no message around it (what lib/http's client sends). */
  static of(init: BodyInit): Body {
    const body = new DetachedBody();
    body.initBody(init);
    return body;
  }

  /** Sets the content of an empty `body`: bytes as they are (not copied), or the chunks a source yields as they arrive. */
  static setContent(body: Body, content: Uint8Array | AsyncIterable<Uint8Array>): void {
    if (content instanceof Uint8Array) body[BYTES] = content;
    else body[SOURCE] = content;
    body[HAS_BODY] = true;
  }

  /** The body's length when known without reading it (bytes given up front; 0 for none), else null. */
  static knownLength(body: Body): number | null {
    return body[BYTES]?.length ?? (body[HAS_BODY] ? null : 0);
  }

  /** The bytes of a body given as bytes, taking it as bytes() would; null for a stream or a used body (left untouched). */
  static takeBytes(body: Body): Uint8Array | null {
    if (body[BYTES] === null || body[USED]) return null;
    body[USED] = true;
    return body[BYTES];
  }

  /**
   * Reads the body chunk by chunk (empty chunks skipped), as it arrives.
   * Stopping early (break, or an error while sending) tells the source.
   */
  static async *chunks(body: Body): AsyncGenerator<Uint8Array, void, undefined> {
    if (body.bodyUsed) throw new TypeError('the body was already read');
    if (!body[HAS_BODY]) return;
    body[USED] = true;
    if (body[BYTES] !== null) {
      if (body[BYTES].length > 0) yield body[BYTES];
      return;
    }
    const source = (body[SOURCE] ?? body[STREAM]!)[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        const step = await source.next();
        if (step.done) {
          finished = true;
          return;
        }
        if (!(step.value instanceof Uint8Array)) throw new TypeError('a body chunk is not a Uint8Array');
        if (step.value.length > 0) yield step.value;
      }
    } finally {
      if (!finished) await source.return?.();
    }
  }

  /**
   * Pulls the first chunk of a streamed body now, keeping it as the first
   * the body gives. A server does this before sending a head: a stream that
   * fails at once can still be answered 500, the head and first chunk share
   * a write, and a handler that streams its request body back triggers
   * 100 Continue in time.
   */
  static async prefetchFirstChunk(body: Body): Promise<void> {
    const rest = Body.chunks(body);
    let pending: IteratorResult<Uint8Array> | null = await rest.next();
    body[STREAM] = null;
    body[USED] = false;
    body[SOURCE] = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          if (pending === null) return rest.next();
          const step = pending;
          pending = null;
          return Promise.resolve(step);
        },
        return: async () => {
          await rest.return();
          return { done: true, value: undefined };
        },
      }),
    };
  }

  /** Discards a body that will never be read (a HEAD response's): lets its source clean up. */
  static async discard(body: Body): Promise<void> {
    if (!body[HAS_BODY] || body.bodyUsed) return;
    body[USED] = true;
    if (body[STREAM]) await body[STREAM].cancel();
    else await body[SOURCE]?.[Symbol.asyncIterator]().return?.();
  }
}

// Defaults on the prototype: an instance gets its own value only when it needs another.
Body.prototype[BYTES] = null;
Body.prototype[STREAM] = null;
Body.prototype[SOURCE] = null;
Body.prototype[HAS_BODY] = false;
Body.prototype[USED] = false;

class DetachedBody extends Body {
  get headers(): null {
    return null;
  }
}

/** The Content-Type of the Request or Response around `body`; '' for a detached body. */
function contentTypeOf(body: Body): string {
  return body.headers?.get('content-type') ?? '';
}

function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
