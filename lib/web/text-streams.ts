/**
 * TextEncoderStream and TextDecoderStream (Encoding Standard section 10):
 * TransformStreams over the runtime's TextEncoder and streaming TextDecoder.
 * The encoder keeps a high surrogate that ends a chunk for the next one, so
 * a pair split across chunks still encodes as one code point.
 */
import { TransformStream } from './transform-stream.ts';
import type { ReadableStream } from './readable-stream.ts';
import type { WritableStream } from './writable-stream.ts';

const REPLACEMENT_BYTES = [0xef, 0xbf, 0xbd];

export class TextEncoderStream {
  readonly #transform: TransformStream<string, Uint8Array>;

  constructor() {
    const encoder = new TextEncoder();
    let pendingHighSurrogate = '';
    this.#transform = new TransformStream<string, Uint8Array>({
      transform(chunk, controller) {
        let text = pendingHighSurrogate + String(chunk);
        pendingHighSurrogate = '';
        const last = text.charCodeAt(text.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          pendingHighSurrogate = text.slice(-1);
          text = text.slice(0, -1);
        }
        if (text.length > 0) controller.enqueue(encoder.encode(text));
      },
      flush(controller) {
        if (pendingHighSurrogate) controller.enqueue(new Uint8Array(REPLACEMENT_BYTES));
      },
    });
  }

  get encoding(): 'utf-8' {
    return 'utf-8';
  }
  get readable(): ReadableStream<Uint8Array> {
    return this.#transform.readable;
  }
  get writable(): WritableStream<string> {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag](): string {
    return 'TextEncoderStream';
  }
}

export class TextDecoderStream {
  readonly #transform: TransformStream<ArrayBuffer | ArrayBufferView, string>;
  readonly #encoding: string;
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;

  constructor(label = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    this.#fatal = Boolean(options.fatal);
    this.#ignoreBOM = Boolean(options.ignoreBOM);
    const decoder = new TextDecoder(label, { fatal: this.#fatal, ignoreBOM: this.#ignoreBOM });
    this.#encoding = decoder.encoding;
    this.#transform = new TransformStream<ArrayBuffer | ArrayBufferView, string>({
      transform(chunk, controller) {
        if (!(chunk instanceof ArrayBuffer) && !ArrayBuffer.isView(chunk)) throw new TypeError('TextDecoderStream: a chunk must be an ArrayBuffer or a view');
        const text = decoder.decode(chunk as Uint8Array, { stream: true });
        if (text) controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text) controller.enqueue(text);
      },
    });
  }

  get encoding(): string {
    return this.#encoding;
  }
  get fatal(): boolean {
    return this.#fatal;
  }
  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }
  get readable(): ReadableStream<string> {
    return this.#transform.readable;
  }
  get writable(): WritableStream<ArrayBuffer | ArrayBufferView> {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag](): string {
    return 'TextDecoderStream';
  }
}
