/**
 * The Body mixin (Fetch Standard section 5.3) that Request and Response
 * share: a body is bytes known up front or a ReadableStream of bytes, read
 * once by `text()`, `json()`, `arrayBuffer()`, `bytes()`, `blob()`,
 * `formData()` or through `body`.
 */
import { concatBytes } from '../http/body.ts';
import { Blob } from './blob.ts';
import { FormData } from './form-data.ts';
import { Headers } from './headers.ts';
import { decodeMultipart, encodeMultipart, multipartBoundary } from './multipart.ts';
import { ReadableStream } from './readable-stream.ts';
import { URLSearchParams } from './url-search-params.ts';

export type BodyInit = string | ArrayBuffer | ArrayBufferView | Blob | FormData | URLSearchParams | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Fetch's "extract a body": the bytes or stream, and the Content-Type it implies. */
function extract(init: BodyInit): { bytes: Uint8Array | null; stream: ReadableStream<Uint8Array> | null; type: string | null } {
  if (typeof init === 'string') return { bytes: encoder.encode(init), stream: null, type: 'text/plain;charset=UTF-8' };
  if (init instanceof URLSearchParams) {
    return { bytes: encoder.encode(init.toString()), stream: null, type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  if (init instanceof Blob) return { bytes: Blob.bytesOf(init).slice(), stream: null, type: init.type || null };
  if (init instanceof FormData) {
    const { bytes, boundary } = encodeMultipart(init);
    return { bytes, stream: null, type: `multipart/form-data; boundary=${boundary}` };
  }
  if (init instanceof ArrayBuffer) return { bytes: new Uint8Array(init.slice(0)), stream: null, type: null };
  if (ArrayBuffer.isView(init)) return { bytes: new Uint8Array(init.buffer.slice(init.byteOffset, init.byteOffset + init.byteLength)), stream: null, type: null };
  if (init instanceof ReadableStream) return { bytes: null, stream: init, type: null };
  if (typeof init === 'object' && init !== null && Symbol.asyncIterator in init) return { bytes: null, stream: ReadableStream.from(init), type: null };
  // Anything else is taken as text, as WebIDL's USVString conversion of the union's last member does.
  return { bytes: encoder.encode(String(init)), stream: null, type: 'text/plain;charset=UTF-8' };
}

export abstract class Body {
  abstract readonly headers: Headers;
  #bytes: Uint8Array | null = null;
  #stream: ReadableStream<Uint8Array> | null = null;
  #hasBody = false;
  #usedBytes = false;

  /** Sets the body from `init` and the Content-Type it implies unless `headers` has one. */
  protected initBody(init: BodyInit | null | undefined, headers: Headers): void {
    if (init === null || init === undefined) return;
    const { bytes, stream, type } = extract(init);
    this.#bytes = bytes;
    this.#stream = stream;
    this.#hasBody = true;
    if (type !== null && !headers.has('content-type')) headers.set('content-type', type);
  }

  /** Moves `other`'s body here (Request from a Request), leaving `other` used. */
  protected takeBodyFrom(other: Body): void {
    if (!other.#hasBody) return;
    if (other.bodyUsed) throw new TypeError('the body was already read');
    this.#bytes = other.#bytes;
    this.#stream = other.#stream;
    this.#hasBody = true;
    other.#usedBytes = true;
    other.#bytes = null;
    // What is left behind is a disturbed, empty stream.
    other.#stream = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    void other.#stream.cancel();
  }

  /** This body for a clone: bytes shared, a stream teed. */
  protected cloneBodyInto(other: Body): void {
    if (this.bodyUsed) throw new TypeError('clone: the body was already read');
    other.#hasBody = this.#hasBody;
    other.#bytes = this.#bytes;
    if (this.#stream) [this.#stream, other.#stream] = this.#stream.tee();
  }

  /** The body's length when known without reading it (bytes given up front), else null. */
  static knownLength(body: Body): number | null {
    return body.#bytes?.length ?? (body.#hasBody ? null : 0);
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (!this.#hasBody) return null;
    if (!this.#stream) {
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
    return this.#usedBytes || (this.#stream !== null && ReadableStream.isDisturbed(this.#stream));
  }

  async bytes(): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError('the body was already read');
    if (!this.#hasBody) return new Uint8Array(0);
    if (this.#bytes) {
      this.#usedBytes = true;
      return this.#bytes;
    }
    const stream = this.#stream!;
    if (stream.locked) throw new TypeError('the body is locked to a reader');
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new TypeError('a body stream chunk is not a Uint8Array');
      chunks.push(value);
      total += value.length;
    }
    return concatBytes(chunks, total);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** UTF-8 decoded, a leading BOM dropped, invalid sequences replaced. */
  async text(): Promise<string> {
    return decoder.decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()], { type: this.headers.get('content-type') ?? '' });
  }

  /** A multipart/form-data or application/x-www-form-urlencoded body as FormData; any other is a TypeError. */
  async formData(): Promise<FormData> {
    const contentType = this.headers.get('content-type') ?? '';
    const boundary = multipartBoundary(contentType);
    if (boundary !== null) return decodeMultipart(await this.bytes(), boundary);
    if (/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) {
      const form = new FormData();
      for (const [name, value] of new URLSearchParams(await this.text())) form.append(name, value);
      return form;
    }
    throw new TypeError(`formData: the body's Content-Type is not multipart/form-data or application/x-www-form-urlencoded: ${JSON.stringify(contentType)}`);
  }
}
