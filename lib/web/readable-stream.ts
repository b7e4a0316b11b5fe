/**
 * ReadableStream (WHATWG Streams section 4) with the default controller and
 * reader: pull sources with a high-water mark, cancel, async iteration, tee,
 * ReadableStream.from, and piping (`pipeTo`, `pipeThrough`, pipe.ts). Byte
 * streams (`type: 'bytes'`, BYOB readers) are not implemented.
 */
import { extractStrategy, QueueWithSizes, type QueuingStrategy } from './queue-with-sizes.ts';
import { pipe, type PipeOptions } from './pipe.ts';
import type { WritableStream } from './writable-stream.ts';

export type { QueuingStrategy } from './queue-with-sizes.ts';

export interface UnderlyingSource<R> {
  start?(controller: ReadableStreamDefaultController<R>): void | PromiseLike<void>;
  pull?(controller: ReadableStreamDefaultController<R>): void | PromiseLike<void>;
  cancel?(reason: unknown): void | PromiseLike<void>;
  type?: undefined;
}

export type ReadableStreamReadResult<R> = { done: false; value: R } | { done: true; value: undefined };

interface ReadRequest<R> {
  resolve(result: ReadableStreamReadResult<R>): void;
  reject(reason: unknown): void;
}

export class ReadableStreamDefaultController<R> {
  readonly #stream: ReadableStream<R>;

  /** Made by ReadableStream only. */
  constructor(stream: ReadableStream<R>, key: symbol) {
    if (key !== CONTROLLER_KEY) throw new TypeError('Illegal constructor');
    this.#stream = stream;
  }

  get desiredSize(): number | null {
    return ReadableStream.desiredSize(this.#stream);
  }
  enqueue(chunk: R): void {
    ReadableStream.enqueue(this.#stream, chunk);
  }
  close(): void {
    ReadableStream.requestClose(this.#stream);
  }
  error(reason?: unknown): void {
    ReadableStream.error(this.#stream, reason);
  }
}

const CONTROLLER_KEY = Symbol('controller');

export class ReadableStream<R = Uint8Array> implements AsyncIterable<R> {
  #state: 'readable' | 'closed' | 'errored' = 'readable';
  #storedError: unknown = undefined;
  #queue = new QueueWithSizes<R>();
  #readRequests: ReadRequest<R>[] = [];
  #reader: ReadableStreamDefaultReader<R> | null = null;
  #closeRequested = false;
  #started = false;
  #pulling = false;
  #pullAgain = false;
  #disturbed = false;
  #highWaterMark: number;
  #size: (chunk: R) => number;
  #source: UnderlyingSource<R>;
  #controller: ReadableStreamDefaultController<R>;

  constructor(source: UnderlyingSource<R> = {}, strategy: QueuingStrategy<R> = {}) {
    if ((source as { type?: string }).type !== undefined) throw new RangeError(`ReadableStream: type '${String(source.type)}' is not supported`);
    this.#source = source;
    ({ highWaterMark: this.#highWaterMark, size: this.#size } = extractStrategy(strategy, 1));
    this.#controller = new ReadableStreamDefaultController(this, CONTROLLER_KEY);
    Promise.resolve(source.start?.call(source, this.#controller)).then(
      () => {
        this.#started = true;
        this.#pullIfNeeded();
      },
      (err) => ReadableStream.error(this, err),
    );
  }

  /** A stream of the values of a sync or async iterable. */
  static from<T>(iterable: Iterable<T> | AsyncIterable<T>): ReadableStream<T> {
    const iterator =
      Symbol.asyncIterator in iterable ? (iterable as AsyncIterable<T>)[Symbol.asyncIterator]() : (iterable as Iterable<T>)[Symbol.iterator]();
    return new ReadableStream<T>(
      {
        async pull(controller) {
          const step = await iterator.next();
          if (step.done) controller.close();
          else controller.enqueue(step.value);
        },
        async cancel(reason) {
          await iterator.return?.(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }

  get locked(): boolean {
    return this.#reader !== null;
  }

  /** True once read from or cancelled (fetch's "disturbed", behind bodyUsed). */
  static isDisturbed<T>(stream: ReadableStream<T>): boolean {
    return stream.#disturbed;
  }

  cancel(reason?: unknown): Promise<void> {
    if (this.locked) return Promise.reject(new TypeError('ReadableStream.cancel: the stream is locked to a reader'));
    return ReadableStream.cancelStream(this, reason);
  }

  getReader(options?: { mode?: undefined }): ReadableStreamDefaultReader<R> {
    if ((options as { mode?: string } | undefined)?.mode !== undefined) throw new RangeError('ReadableStream: BYOB readers are not supported');
    return new ReadableStreamDefaultReader(this);
  }

  /** Two streams that each see every chunk of this one (which becomes locked). */
  tee(): [ReadableStream<R>, ReadableStream<R>] {
    const reader = this.getReader();
    const canceled = [false, false];
    const reasons: unknown[] = [undefined, undefined];
    let reading = false;
    let cancelBoth: (value: unknown) => void = () => {};
    const bothCanceled = new Promise((resolve) => (cancelBoth = resolve));
    const branches: ReadableStream<R>[] = [];
    const pull = (): void => {
      if (reading) return;
      reading = true;
      reader.read().then(
        (result) => {
          reading = false;
          branches.forEach((b, i) => {
            if (canceled[i]) return;
            if (result.done) ReadableStream.requestClose(b);
            else ReadableStream.enqueue(b, result.value);
          });
        },
        (err) => branches.forEach((b) => ReadableStream.error(b, err)),
      );
    };
    for (const i of [0, 1]) {
      branches.push(
        new ReadableStream<R>(
          {
            pull,
            cancel(reason) {
              canceled[i] = true;
              reasons[i] = reason;
              if (canceled[0] && canceled[1]) cancelBoth(reader.cancel(reasons));
              return bothCanceled.then(() => undefined);
            },
          },
          { highWaterMark: 0 },
        ),
      );
    }
    return [branches[0]!, branches[1]!];
  }

  /** Pipes every chunk into `destination` (pipe.ts), with close, error and abort carried across. */
  pipeTo(destination: WritableStream<R>, options: PipeOptions = {}): Promise<void> {
    return pipe(this, destination, options);
  }

  /** Pipes into `transform.writable` and gives its readable side. */
  pipeThrough<T>(transform: { writable: WritableStream<R>; readable: ReadableStream<T> }, options: PipeOptions = {}): ReadableStream<T> {
    if (this.locked) throw new TypeError('ReadableStream.pipeThrough: the stream is locked');
    if (transform.writable.locked) throw new TypeError('ReadableStream.pipeThrough: the writable side is locked');
    void pipe(this, transform.writable, options).catch(() => {});
    return transform.readable;
  }

  values(options: { preventCancel?: boolean } = {}): AsyncIterableIterator<R> {
    const reader = this.getReader();
    const iterator: AsyncIterableIterator<R> = {
      async next() {
        const result = await reader.read();
        if (result.done) reader.releaseLock();
        return result.done ? { done: true, value: undefined } : result;
      },
      async return(value?: unknown) {
        if (!options.preventCancel) await reader.cancel(value);
        reader.releaseLock();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<R> {
    return this.values();
  }

  // The steps the controller, the reader and tee run on the stream.

  static desiredSize<T>(stream: ReadableStream<T>): number | null {
    if (stream.#state === 'errored') return null;
    if (stream.#state === 'closed') return 0;
    return stream.#highWaterMark - stream.#queue.totalSize;
  }

  static enqueue<T>(stream: ReadableStream<T>, chunk: T): void {
    if (stream.#closeRequested || stream.#state !== 'readable') throw new TypeError('ReadableStream: enqueue after close');
    const request = stream.#readRequests.shift();
    if (request) request.resolve({ done: false, value: chunk });
    else {
      try {
        stream.#queue.enqueue(chunk, stream.#size(chunk));
      } catch (err) {
        ReadableStream.error(stream, err);
        throw err;
      }
    }
    stream.#pullIfNeeded();
  }

  static requestClose<T>(stream: ReadableStream<T>): void {
    if (stream.#closeRequested || stream.#state !== 'readable') throw new TypeError('ReadableStream: already closed');
    stream.#closeRequested = true;
    if (stream.#queue.length === 0) stream.#close();
  }

  static error<T>(stream: ReadableStream<T>, reason: unknown): void {
    if (stream.#state !== 'readable') return;
    stream.#state = 'errored';
    stream.#storedError = reason;
    stream.#queue.reset();
    for (const request of stream.#readRequests.splice(0)) request.reject(reason);
    if (stream.#reader) ReadableStreamDefaultReader.settleClosed(stream.#reader, true, reason);
  }

  static cancelStream<T>(stream: ReadableStream<T>, reason: unknown): Promise<void> {
    stream.#disturbed = true;
    if (stream.#state === 'closed') return Promise.resolve();
    if (stream.#state === 'errored') return Promise.reject(stream.#storedError);
    stream.#queue.reset();
    stream.#close();
    const source = stream.#source;
    return Promise.resolve(source.cancel?.call(source, reason)).then(() => undefined);
  }

  static read<T>(stream: ReadableStream<T>): Promise<ReadableStreamReadResult<T>> {
    stream.#disturbed = true;
    if (stream.#state === 'errored') return Promise.reject(stream.#storedError);
    if (stream.#queue.length > 0) {
      const chunk = stream.#queue.dequeue();
      if (stream.#closeRequested && stream.#queue.length === 0) stream.#close();
      else stream.#pullIfNeeded();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (stream.#state === 'closed') return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      stream.#readRequests.push({ resolve, reject });
      stream.#pullIfNeeded();
    });
  }

  static lock<T>(stream: ReadableStream<T>, reader: ReadableStreamDefaultReader<T> | null): void {
    if (reader && stream.#reader) throw new TypeError('ReadableStream: already locked to a reader');
    if (!reader) {
      const released = new TypeError('ReadableStream: the reader was released');
      for (const request of stream.#readRequests.splice(0)) request.reject(released);
    }
    stream.#reader = reader;
  }

  /** ReadableStreamDefaultControllerCanCloseOrEnqueue. */
  static canCloseOrEnqueue<T>(stream: ReadableStream<T>): boolean {
    return !stream.#closeRequested && stream.#state === 'readable';
  }

  /** ReadableStreamDefaultControllerHasBackpressure: no pull is wanted (TransformStream's backpressure). */
  static hasBackpressure<T>(stream: ReadableStream<T>): boolean {
    return !stream.#shouldCallPull();
  }

  static stateOf<T>(stream: ReadableStream<T>): { state: 'readable' | 'closed' | 'errored'; error: unknown } {
    return { state: stream.#state, error: stream.#storedError };
  }

  #close(): void {
    this.#state = 'closed';
    for (const request of this.#readRequests.splice(0)) request.resolve({ done: true, value: undefined });
    if (this.#reader) ReadableStreamDefaultReader.settleClosed(this.#reader, false);
  }

  #shouldCallPull(): boolean {
    if (!this.#started || !ReadableStream.canCloseOrEnqueue(this)) return false;
    return this.#readRequests.length > 0 || this.#highWaterMark - this.#queue.totalSize > 0;
  }

  #pullIfNeeded(): void {
    if (!this.#shouldCallPull()) return;
    if (this.#pulling) {
      this.#pullAgain = true;
      return;
    }
    this.#pulling = true;
    const source = this.#source;
    let pulled: void | PromiseLike<void>;
    try {
      pulled = source.pull?.call(source, this.#controller);
    } catch (err) {
      ReadableStream.error(this, err);
      return;
    }
    Promise.resolve(pulled).then(
      () => {
        this.#pulling = false;
        if (this.#pullAgain) {
          this.#pullAgain = false;
          this.#pullIfNeeded();
        }
      },
      (err) => ReadableStream.error(this, err),
    );
  }
}

export class ReadableStreamDefaultReader<R> {
  #stream: ReadableStream<R> | null;
  #closed: Promise<void>;
  #settle!: { resolve(): void; reject(reason: unknown): void };

  constructor(stream: ReadableStream<R>) {
    ReadableStream.lock(stream, this);
    this.#stream = stream;
    this.#closed = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    this.#closed.catch(() => {});
    const { state, error } = ReadableStream.stateOf(stream);
    if (state === 'closed') this.#settle.resolve();
    if (state === 'errored') this.#settle.reject(error);
  }

  get closed(): Promise<void> {
    return this.#closed;
  }

  read(): Promise<ReadableStreamReadResult<R>> {
    if (!this.#stream) return Promise.reject(new TypeError('ReadableStreamDefaultReader: released'));
    return ReadableStream.read(this.#stream);
  }

  cancel(reason?: unknown): Promise<void> {
    if (!this.#stream) return Promise.reject(new TypeError('ReadableStreamDefaultReader: released'));
    return ReadableStream.cancelStream(this.#stream, reason);
  }

  releaseLock(): void {
    if (!this.#stream) return;
    ReadableStream.lock(this.#stream, null);
    this.#stream = null;
  }

  static settleClosed<T>(reader: ReadableStreamDefaultReader<T>, errored: boolean, error?: unknown): void {
    if (errored) reader.#settle.reject(error);
    else reader.#settle.resolve();
  }
}
