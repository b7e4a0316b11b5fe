/**
 * The Body mixin (Fetch Standard section 5.3) that Request and Response
 * share: a body is bytes known up front or a stream of bytes, read once by
 * `text()`, `json()`, `arrayBuffer()`, `bytes()` or through `body`.
 *
 * This is Kiln's one body implementation: lib/http's messages are these
 * Requests and Responses. A body that arrives (a server's request body, a
 * client's response body) is kept as the async iterable of its chunks and
 * becomes a ReadableStream only when `body` is asked for; the statics at the
 * end let lib/http read and write bodies without building streams.
 */
import { decodeUtf8, encodeUtf8 } from '../text/utf8.ts';
import { Headers } from './headers.ts';
import { ReadableStream } from './readable-stream.ts';
import { URLSearchParams } from './url-search-params.ts';

export type BodyInit = string | ArrayBuffer | ArrayBufferView | URLSearchParams | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

// lib/http's bodies run where the engine alone may have no TextDecoder (the strict-parsing suite in bare QuickJS).
const nativeDecoder: { decode(bytes: Uint8Array): string } | null = typeof TextDecoder === 'function' ? new TextDecoder() : null;

export abstract class Body {
  #bytes: Uint8Array | null = null;
  #stream: ReadableStream<Uint8Array> | null = null;
  /** Chunks not wrapped in a stream yet (`body` wraps them). */
  #source: AsyncIterable<Uint8Array> | null = null;
  #hasBody = false;
  /** Read other than through `#stream` (whose own state says when it was). */
  #used = false;

  /**
   * Sets the body from `init` (Fetch's "extract a body") and the
   * Content-Type it implies unless `headers` has one.
   */
  protected initBody(init: BodyInit | null | undefined, headers: Headers | null): void {
    if (init === null || init === undefined) return;
    this.#hasBody = true;
    let type: string | null = null;
    if (typeof init === 'string') {
      this.#bytes = encodeUtf8(init);
      type = 'text/plain;charset=UTF-8';
    } else if (init instanceof URLSearchParams) {
      this.#bytes = encodeUtf8(init.toString());
      type = 'application/x-www-form-urlencoded;charset=UTF-8';
    } else if (init instanceof ArrayBuffer) this.#bytes = new Uint8Array(init.slice(0));
    else if (ArrayBuffer.isView(init)) this.#bytes = new Uint8Array(init.buffer.slice(init.byteOffset, init.byteOffset + init.byteLength));
    else if (init instanceof ReadableStream) this.#stream = init;
    else if (typeof init === 'object' && Symbol.asyncIterator in init) this.#source = init;
    else {
      // Anything else is taken as text, as WebIDL's USVString conversion of the union's last member does.
      this.#bytes = encodeUtf8(String(init));
      type = 'text/plain;charset=UTF-8';
    }
    if (type !== null && headers !== null && !Headers.hasKnown(headers, 'content-type')) Headers.setKnown(headers, 'content-type', type);
  }

  /** Moves `other`'s body here (Request from a Request), leaving `other` used. */
  protected takeBodyFrom(other: Body): void {
    if (!other.#hasBody) return;
    if (other.bodyUsed) throw new TypeError('the body was already read');
    this.#bytes = other.#bytes;
    this.#stream = other.#stream;
    this.#source = other.#source;
    this.#hasBody = true;
    other.#used = true;
    other.#bytes = null;
    other.#source = null;
    // What is left behind is a disturbed, empty stream.
    other.#stream = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    void other.#stream.cancel();
  }

  /** This body for a clone: bytes shared, a stream teed. */
  protected cloneBodyInto(other: Body): void {
    if (this.bodyUsed) throw new TypeError('clone: the body was already read');
    other.#hasBody = this.#hasBody;
    other.#bytes = this.#bytes;
    if (this.#source) void this.body;
    if (this.#stream) [this.#stream, other.#stream] = this.#stream.tee();
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (!this.#hasBody) return null;
    if (this.#source) {
      this.#stream = ReadableStream.from(this.#source);
      this.#source = null;
    } else if (!this.#stream) {
      const bytes = this.#bytes!;
      this.#bytes = null;
      this.#stream = new ReadableStream<Uint8Array>({
        start(controller) {
          if (bytes.length > 0) controller.enqueue(bytes);
          controller.close();
        },
      });
    }
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#stream !== null && ReadableStream.isDisturbed(this.#stream));
  }

  async bytes(): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError('the body was already read');
    if (this.#stream?.locked) throw new TypeError('the body is locked to a reader');
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
    const bytes = await this.bytes();
    if (nativeDecoder !== null) return nativeDecoder.decode(bytes);
    const text = decodeUtf8(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  // lib/http's access: bodies set from the wire and written to it, no streams built.

  /** A body with no message around it (what lib/http's client sends). */
  static of(init: BodyInit): Body {
    const body = new DetachedBody();
    body.initBody(init, null);
    return body;
  }

  /** Sets the content of an empty `body`: bytes as they are (not copied), or the chunks a source yields as they arrive. */
  static setContent(body: Body, content: Uint8Array | AsyncIterable<Uint8Array>): void {
    if (content instanceof Uint8Array) body.#bytes = content;
    else body.#source = content;
    body.#hasBody = true;
  }

  /** The body's length when known without reading it (bytes given up front; 0 for none), else null. */
  static knownLength(body: Body): number | null {
    return body.#bytes?.length ?? (body.#hasBody ? null : 0);
  }

  /** The bytes of a body given as bytes, taking it as bytes() would; null for a stream or a used body (left untouched). */
  static takeBytes(body: Body): Uint8Array | null {
    if (body.#bytes === null || body.#used) return null;
    body.#used = true;
    return body.#bytes;
  }

  /**
   * Reads the body chunk by chunk (empty chunks skipped), as it arrives.
   * Stopping early (break, or an error while sending) tells the source.
   */
  static async *chunks(body: Body): AsyncGenerator<Uint8Array, void, undefined> {
    if (body.bodyUsed) throw new TypeError('the body was already read');
    if (!body.#hasBody) return;
    body.#used = true;
    if (body.#bytes !== null) {
      if (body.#bytes.length > 0) yield body.#bytes;
      return;
    }
    const source = (body.#source ?? body.#stream!)[Symbol.asyncIterator]();
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
    body.#stream = null;
    body.#used = false;
    body.#source = {
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
    if (!body.#hasBody || body.bodyUsed) return;
    body.#used = true;
    if (body.#stream) await body.#stream.cancel();
    else await body.#source?.[Symbol.asyncIterator]().return?.();
  }
}

class DetachedBody extends Body {}

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
