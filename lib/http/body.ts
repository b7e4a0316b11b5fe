/**
 * Message bodies, as the Web's Request/Response bodies: a one-shot stream of
 * byte chunks with `bytes()`, `text()` and `json()` helpers. A body is made
 * from a string (sent as UTF-8), bytes, or any async iterable of bytes.
 */
import { HttpError } from './errors.ts';
import { decodeUtf8, encodeUtf8, Utf8Error } from '../text/utf8.ts';

export type BodyInit = string | Uint8Array | ArrayBuffer | AsyncIterable<Uint8Array>;

export class KilnBody implements AsyncIterable<Uint8Array> {
  /** Bytes when they are known up front; null for a stream. */
  private fixed: Uint8Array | null;
  private stream: AsyncIterable<Uint8Array> | null;
  private consumed = false;

  constructor(init: BodyInit) {
    if (typeof init === 'string') {
      this.fixed = encodeUtf8(init);
      this.stream = null;
    } else if (init instanceof Uint8Array) {
      this.fixed = init;
      this.stream = null;
    } else if (init instanceof ArrayBuffer) {
      this.fixed = new Uint8Array(init);
      this.stream = null;
    } else {
      this.fixed = null;
      this.stream = init;
    }
  }

  /** Length in bytes when known before reading (string or bytes), else null. */
  get length(): number | null {
    return this.fixed === null ? null : this.fixed.length;
  }

  /** True once reading has started. */
  get used(): boolean {
    return this.consumed;
  }

  private take(): void {
    if (this.consumed) throw new HttpError('body-used', 'the body was already read');
    this.consumed = true;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.take();
    if (this.fixed !== null) {
      if (this.fixed.length > 0) yield this.fixed;
      return;
    }
    const source = this.stream![Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        const step = await source.next();
        if (step.done) {
          finished = true;
          return;
        }
        if (step.value.length > 0) yield step.value;
      }
    } finally {
      // The reader stopped early (break, or an error while sending): tell the source.
      if (!finished) await source.return?.();
    }
  }

  /** The bytes of a body made from bytes or a string, taking it as bytes() would; null for a stream (left untouched). */
  takeFixed(): Uint8Array | null {
    if (this.fixed === null) return null;
    this.take();
    return this.fixed;
  }

  /** The whole body in one array. */
  async bytes(): Promise<Uint8Array> {
    if (this.fixed !== null) {
      this.take();
      return this.fixed;
    }
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this) {
      parts.push(chunk);
      total += chunk.length;
    }
    return concatBytes(parts, total);
  }

  /** The body decoded as UTF-8 (invalid sequences become U+FFFD). */
  async text(): Promise<string> {
    return decodeUtf8(await this.bytes());
  }

  /** The body parsed as JSON; invalid UTF-8 or JSON rejects with a SyntaxError. */
  async json(): Promise<unknown> {
    let text: string;
    try {
      text = decodeUtf8(await this.bytes(), true);
    } catch (err) {
      if (err instanceof Utf8Error) throw new SyntaxError(`body is not valid UTF-8: ${err.message}`);
      throw err;
    }
    return JSON.parse(text) as unknown;
  }

  /** Discards a body that will never be read (a HEAD response's stream): lets its source clean up. */
  async cancel(): Promise<void> {
    if (this.consumed) return;
    this.consumed = true;
    await this.stream?.[Symbol.asyncIterator]().return?.();
  }
}

/**
 * Pulls the first chunk of a stream body now and returns a body that yields
 * it first. A server does this before sending a head: a stream that fails at
 * once can still be answered 500, the head and first chunk share a write, and
 * a handler that streams its request body back triggers 100 Continue in time.
 */
export async function prefetchFirstChunk(body: KilnBody): Promise<KilnBody> {
  const rest = body[Symbol.asyncIterator]();
  const first = await rest.next();
  let pending: IteratorResult<Uint8Array> | null = first;
  return new KilnBody({
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (pending === null) return rest.next();
        const step = pending;
        pending = null;
        return Promise.resolve(step);
      },
      return: async () => {
        await rest.return?.();
        return { done: true, value: undefined };
      },
    }),
  });
}

export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total ?? parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** What requests and responses share: an optional body and the ways to read it. */
export abstract class BodyCarrier {
  constructor(readonly body: KilnBody | null) {}

  get bodyUsed(): boolean {
    return this.body?.used ?? false;
  }

  /** The whole body (empty when there is none). */
  bytes(): Promise<Uint8Array> {
    return this.body ? this.body.bytes() : Promise.resolve(new Uint8Array(0));
  }

  /** The body as UTF-8 text (empty when there is none). */
  text(): Promise<string> {
    return this.body ? this.body.text() : Promise.resolve('');
  }

  /** The body parsed as JSON. */
  json(): Promise<unknown> {
    return this.body ? this.body.json() : Promise.reject(new SyntaxError('the message has no body'));
  }
}
