/**
 * Blob and File (File API sections 3 and 4): immutable bytes with a MIME
 * type, read whole (`text`, `arrayBuffer`, `bytes`) or as a stream, and
 * sliced.
 */
import { decodeUtf8Text, encodeUtf8 } from '../text/utf8.ts';
import { ReadableStream } from './readable-stream.ts';

export type BlobPart = string | ArrayBuffer | ArrayBufferView | Blob;

export interface BlobPropertyBag {
  type?: string;
  endings?: 'transparent' | 'native';
}

export interface FilePropertyBag extends BlobPropertyBag {
  lastModified?: number;
}


/** The type as the File API keeps it: lower-cased, or empty if any character is outside U+0020-U+007E. */
function normalizeType(type: string | undefined): string {
  const text = type === undefined ? '' : String(type);
  return /^[\x20-\x7e]*$/.test(text) ? text.toLowerCase() : '';
}

function partBytes(part: BlobPart, endings: 'transparent' | 'native'): Uint8Array {
  if (part instanceof Blob) return Blob.bytesOf(part);
  if (part instanceof ArrayBuffer) return new Uint8Array(part.slice(0));
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength));
  // The native line ending of every target is LF.
  const text = endings === 'native' ? String(part).replace(/\r\n?/g, '\n') : String(part);
  return encodeUtf8(text);
}

/** A slice bound the File API's way: negative counts from the end, clamped to [0, size]. */
function relative(index: number | undefined, size: number, fallback: number): number {
  if (index === undefined) return fallback;
  const n = Math.trunc(Number(index)) || 0;
  return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
}

export class Blob {
  readonly #bytes: Uint8Array;
  readonly #type: string;

  constructor(parts: Iterable<BlobPart> = [], options: BlobPropertyBag = {}) {
    if (typeof parts !== 'object' || parts === null || !(Symbol.iterator in parts)) throw new TypeError('Blob: the parts must be a sequence');
    const endings = options.endings ?? 'transparent';
    if (endings !== 'transparent' && endings !== 'native') throw new TypeError(`Blob: invalid endings ${String(endings)}`);
    const chunks = [...parts].map((part) => partBytes(part, endings));
    this.#bytes = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      this.#bytes.set(chunk, offset);
      offset += chunk.length;
    }
    this.#type = normalizeType(options.type);
  }

  /** The bytes themselves, not a copy: only lib/web reads them (bodies, FormData). */
  static bytesOf(blob: Blob): Uint8Array {
    return blob.#bytes;
  }

  get size(): number {
    return this.#bytes.length;
  }

  get type(): string {
    return this.#type;
  }

  slice(start?: number, end?: number, contentType?: string): Blob {
    const size = this.#bytes.length;
    const from = relative(start, size, 0);
    const to = Math.max(relative(end, size, size), from);
    return new Blob([this.#bytes.subarray(from, to)], { type: normalizeType(contentType) });
  }

  async bytes(): Promise<Uint8Array> {
    return this.#bytes.slice();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#bytes.slice().buffer;
  }

  async text(): Promise<string> {
    return decodeUtf8Text(this.#bytes);
  }

  stream(): ReadableStream<Uint8Array> {
    const bytes = this.#bytes;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        if (bytes.length > 0) controller.enqueue(bytes.slice());
        controller.close();
      },
    });
  }

  get [Symbol.toStringTag](): string {
    return 'Blob';
  }
}

export class File extends Blob {
  readonly #name: string;
  readonly #lastModified: number;

  constructor(parts: Iterable<BlobPart>, name: string, options: FilePropertyBag = {}) {
    if (arguments.length < 2) throw new TypeError('File: a name is required');
    super(parts, options);
    this.#name = String(name);
    this.#lastModified = options.lastModified === undefined ? Date.now() : Math.trunc(Number(options.lastModified)) || 0;
  }

  get name(): string {
    return this.#name;
  }

  get lastModified(): number {
    return this.#lastModified;
  }

  override get [Symbol.toStringTag](): string {
    return 'File';
  }
}
