/**
 * TransformStream (WHATWG Streams section 6): a WritableStream whose sink
 * runs the transformer and a ReadableStream it enqueues into, joined by a
 * backpressure flag so that a write waits while the readable side is full.
 * No queue of its own: chunks wait in the two streams' queues. The
 * algorithms follow the standard's, under its names.
 */
import { Deferred, promiseCall } from './deferred.ts';
import type { QueuingStrategy } from './queue-with-sizes.ts';
import { ReadableStream, type ReadableStreamDefaultController } from './readable-stream.ts';
import { WritableStream, type WritableStreamDefaultController } from './writable-stream.ts';

export interface Transformer<I, O> {
  start?(controller: TransformStreamDefaultController<O>): void | PromiseLike<void>;
  transform?(chunk: I, controller: TransformStreamDefaultController<O>): void | PromiseLike<void>;
  flush?(controller: TransformStreamDefaultController<O>): void | PromiseLike<void>;
  cancel?(reason: unknown): void | PromiseLike<void>;
  readableType?: undefined;
  writableType?: undefined;
}

const CONTROLLER_KEY = Symbol('controller');

export class TransformStreamDefaultController<O> {
  readonly #stream: TransformStream<unknown, O>;

  /** Made by TransformStream only. */
  constructor(stream: TransformStream<unknown, O>, key: symbol) {
    if (key !== CONTROLLER_KEY) throw new TypeError('Illegal constructor');
    this.#stream = stream;
  }

  get desiredSize(): number | null {
    return TransformStream.readableController(this.#stream).desiredSize;
  }

  enqueue(chunk?: O): void {
    TransformStream.enqueue(this.#stream, chunk as O);
  }

  error(reason?: unknown): void {
    TransformStream.error(this.#stream, reason);
  }

  terminate(): void {
    TransformStream.terminate(this.#stream);
  }
}

export class TransformStream<I = unknown, O = unknown> {
  readonly #readable: ReadableStream<O>;
  readonly #writable: WritableStream<I>;
  #readableController!: ReadableStreamDefaultController<O>;
  #writableController!: WritableStreamDefaultController;
  #backpressure = true;
  #backpressureChange = new Deferred();
  #controller: TransformStreamDefaultController<O>;
  #transformer: Transformer<I, O> | null;
  /** Settles when a close, abort or cancel has finished (only the first runs the transformer). */
  #finish: Deferred | null = null;

  constructor(transformer: Transformer<I, O> = {}, writableStrategy: QueuingStrategy<I> = {}, readableStrategy: QueuingStrategy<O> = {}) {
    if (transformer.readableType !== undefined) throw new RangeError('TransformStream: readableType is not supported');
    if (transformer.writableType !== undefined) throw new RangeError('TransformStream: writableType is not supported');
    const started = new Deferred();
    this.#transformer = transformer;
    this.#writable = new WritableStream<I>(
      {
        start: (controller) => {
          this.#writableController = controller;
          return started.promise;
        },
        write: (chunk) => this.#sinkWrite(chunk),
        close: () => this.#sinkClose(),
        abort: (reason) => this.#sinkAbort(reason),
      },
      { highWaterMark: writableStrategy.highWaterMark ?? 1, size: writableStrategy.size },
    );
    this.#readable = new ReadableStream<O>(
      {
        start: (controller) => {
          this.#readableController = controller;
          return started.promise;
        },
        pull: () => {
          this.#setBackpressure(false);
          return this.#backpressureChange.promise;
        },
        cancel: (reason) => this.#sourceCancel(reason),
      },
      { highWaterMark: readableStrategy.highWaterMark ?? 0, size: readableStrategy.size },
    );
    this.#controller = new TransformStreamDefaultController(this as unknown as TransformStream<unknown, O>, CONTROLLER_KEY);
    try {
      started.resolve(transformer.start?.call(transformer, this.#controller) as void);
    } catch (err) {
      started.reject(err);
    }
  }

  get readable(): ReadableStream<O> {
    return this.#readable;
  }

  get writable(): WritableStream<I> {
    return this.#writable;
  }

  get [Symbol.toStringTag](): string {
    return 'TransformStream';
  }

  // The controller's steps.

  static readableController<O>(stream: TransformStream<unknown, O>): ReadableStreamDefaultController<O> {
    return stream.#readableController;
  }

  /** TransformStreamDefaultControllerEnqueue. */
  static enqueue<O>(stream: TransformStream<unknown, O>, chunk: O): void {
    if (!ReadableStream.canCloseOrEnqueue(stream.#readable)) throw new TypeError('TransformStream: the readable side is closed or errored');
    try {
      stream.#readableController.enqueue(chunk);
    } catch (err) {
      stream.#errorWritableAndUnblockWrite(err);
      throw ReadableStream.stateOf(stream.#readable).error;
    }
    if (ReadableStream.hasBackpressure(stream.#readable) && !stream.#backpressure) stream.#setBackpressure(true);
  }

  /** TransformStreamError. */
  static error<O>(stream: TransformStream<unknown, O>, reason: unknown): void {
    if (ReadableStream.canCloseOrEnqueue(stream.#readable)) stream.#readableController.error(reason);
    stream.#errorWritableAndUnblockWrite(reason);
  }

  /** TransformStreamDefaultControllerTerminate. */
  static terminate<O>(stream: TransformStream<unknown, O>): void {
    if (ReadableStream.canCloseOrEnqueue(stream.#readable)) stream.#readableController.close();
    stream.#errorWritableAndUnblockWrite(new TypeError('TransformStream: terminated'));
  }

  #errorWritableAndUnblockWrite(reason: unknown): void {
    this.#transformer = null;
    this.#writableController.error(reason);
    if (this.#backpressure) this.#setBackpressure(false);
  }

  #setBackpressure(backpressure: boolean): void {
    this.#backpressureChange.resolve();
    this.#backpressureChange = new Deferred();
    this.#backpressure = backpressure;
  }

  #performTransform(chunk: I): Promise<void> {
    const transformer = this.#transformer;
    const transformed = promiseCall(() =>
      transformer?.transform
        ? transformer.transform.call(transformer, chunk, this.#controller)
        : TransformStream.enqueue(this as unknown as TransformStream<unknown, O>, chunk as unknown as O),
    );
    return transformed.catch((reason: unknown) => {
      TransformStream.error(this as unknown as TransformStream<unknown, O>, reason);
      throw reason;
    });
  }

  #sinkWrite(chunk: I): Promise<void> {
    if (!this.#backpressure) return this.#performTransform(chunk);
    return this.#backpressureChange.promise.then(() => {
      const { state, error } = WritableStream.stateOf(this.#writable);
      if (state === 'erroring') throw error;
      return this.#performTransform(chunk);
    });
  }

  /** Runs the transformer's flush or cancel once; `then` finishes the other side. */
  #finishWith(step: () => void | PromiseLike<void>, fulfilled: () => void, rejected: (reason: unknown) => void): Promise<void> {
    if (this.#finish) return this.#finish.promise;
    const finish = (this.#finish = new Deferred());
    const result = promiseCall(step);
    this.#transformer = null;
    result.then(
      () => {
        try {
          fulfilled();
          finish.resolve();
        } catch (err) {
          finish.reject(err);
        }
      },
      (reason: unknown) => {
        rejected(reason);
        finish.reject(reason);
      },
    );
    return finish.promise;
  }

  #sinkClose(): Promise<void> {
    const transformer = this.#transformer;
    return this.#finishWith(
      () => transformer?.flush?.call(transformer, this.#controller),
      () => {
        const { state, error } = ReadableStream.stateOf(this.#readable);
        if (state === 'errored') throw error;
        if (ReadableStream.canCloseOrEnqueue(this.#readable)) this.#readableController.close();
      },
      (reason) => this.#readableController.error(reason),
    );
  }

  #sinkAbort(reason: unknown): Promise<void> {
    const transformer = this.#transformer;
    return this.#finishWith(
      () => transformer?.cancel?.call(transformer, reason),
      () => {
        const { state, error } = ReadableStream.stateOf(this.#readable);
        if (state === 'errored') throw error;
        this.#readableController.error(reason);
      },
      (cancelError) => this.#readableController.error(cancelError),
    );
  }

  #sourceCancel(reason: unknown): Promise<void> {
    const transformer = this.#transformer;
    const unblock = (error: unknown): void => {
      this.#writableController.error(error);
      if (this.#backpressure) this.#setBackpressure(false);
    };
    return this.#finishWith(
      () => transformer?.cancel?.call(transformer, reason),
      () => {
        const { state, error } = WritableStream.stateOf(this.#writable);
        if (state === 'errored') throw error;
        unblock(reason);
      },
      unblock,
    );
  }
}
