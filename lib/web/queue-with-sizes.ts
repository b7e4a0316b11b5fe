/**
 * The Streams Standard's "queue-with-sizes" (section 8.1) and queuing
 * strategies (section 7): the one queue ReadableStream's and
 * WritableStream's controllers keep, each chunk with its size, and the
 * strategy that says how big a chunk is and how much to hold.
 */

export interface QueuingStrategy<T> {
  highWaterMark?: number;
  size?(chunk: T): number;
}

/** A strategy's high-water mark (`fallback` when absent) and size function, checked. */
export function extractStrategy<T>(strategy: QueuingStrategy<T>, fallback: number): { highWaterMark: number; size: (chunk: T) => number } {
  const highWaterMark = strategy.highWaterMark === undefined ? fallback : Number(strategy.highWaterMark);
  if (Number.isNaN(highWaterMark) || highWaterMark < 0) throw new RangeError('invalid highWaterMark');
  const size = strategy.size;
  if (size !== undefined && typeof size !== 'function') throw new TypeError('a strategy size must be a function');
  return { highWaterMark, size: size ? (chunk) => size.call(undefined, chunk) : () => 1 };
}

export class QueueWithSizes<T> {
  #items: { value: T; size: number }[] = [];
  #totalSize = 0;

  get length(): number {
    return this.#items.length;
  }

  get totalSize(): number {
    return this.#totalSize;
  }

  /** Adds `value`; a size that is not a finite number >= 0 is a RangeError. */
  enqueue(value: T, size: number): void {
    if (typeof size !== 'number' || !Number.isFinite(size) || size < 0) throw new RangeError('a chunk size must be a finite, non-negative number');
    this.#items.push({ value, size });
    this.#totalSize += size;
  }

  dequeue(): T {
    const head = this.#items.shift();
    if (!head) throw new RangeError('dequeue from an empty queue');
    this.#totalSize = Math.max(0, this.#totalSize - head.size);
    return head.value;
  }

  peek(): T {
    if (this.#items.length === 0) throw new RangeError('peek at an empty queue');
    return this.#items[0]!.value;
  }

  reset(): void {
    this.#items = [];
    this.#totalSize = 0;
  }
}

/** Counts chunks (section 7.3). */
export class CountQueuingStrategy {
  readonly highWaterMark: number;
  constructor(init: { highWaterMark: number }) {
    this.highWaterMark = Number(init.highWaterMark);
  }
  get size(): (chunk?: unknown) => 1 {
    return countSize;
  }
}
const countSize = (): 1 => 1;

/** Counts bytes (section 7.2). */
export class ByteLengthQueuingStrategy {
  readonly highWaterMark: number;
  constructor(init: { highWaterMark: number }) {
    this.highWaterMark = Number(init.highWaterMark);
  }
  get size(): (chunk: ArrayBufferView) => number {
    return byteLengthSize;
  }
}
const byteLengthSize = (chunk: ArrayBufferView): number => chunk.byteLength;
