/**
 * WritableStream (WHATWG Streams section 5) with the default controller and
 * writer: one write at a time to the sink, chunks queued with their sizes
 * (queue-with-sizes.ts) behind it, backpressure through the writer's
 * `desiredSize` and `ready`, close after the queued writes, and abort that
 * errors the stream and tells the sink. The algorithms follow the
 * standard's, step by step and under its names where they have one.
 */
import { AbortController, type AbortSignal } from './abort.ts';
import { Deferred, promiseCall } from './deferred.ts';
import { extractStrategy, QueueWithSizes, type QueuingStrategy } from './queue-with-sizes.ts';

export interface UnderlyingSink<W> {
  start?(controller: WritableStreamDefaultController): void | PromiseLike<void>;
  write?(chunk: W, controller: WritableStreamDefaultController): void | PromiseLike<void>;
  close?(): void | PromiseLike<void>;
  abort?(reason: unknown): void | PromiseLike<void>;
  type?: undefined;
}

type State = 'writable' | 'closed' | 'erroring' | 'errored';

/** The close request's place in the queue, behind the writes before it. */
const CLOSE_SENTINEL = Symbol('close');
const CONTROLLER_KEY = Symbol('controller');

interface PendingAbort {
  deferred: Deferred;
  reason: unknown;
  wasAlreadyErroring: boolean;
}

export class WritableStreamDefaultController {
  readonly #stream: WritableStream<never>;
  readonly #abortController = new AbortController();

  /** Made by WritableStream only. */
  constructor(stream: WritableStream<never>, key: symbol) {
    if (key !== CONTROLLER_KEY) throw new TypeError('Illegal constructor');
    this.#stream = stream;
  }

  /** Aborted when the stream is, so that a sink's long write can stop. */
  get signal(): AbortSignal {
    return this.#abortController.signal;
  }

  error(reason?: unknown): void {
    WritableStream.errorIfNeeded(this.#stream, reason);
  }

  static signalAbort(controller: WritableStreamDefaultController, reason: unknown): void {
    controller.#abortController.abort(reason);
  }
}

export class WritableStream<W = unknown> {
  #state: State = 'writable';
  #storedError: unknown = undefined;
  #writer: WritableStreamDefaultWriter<W> | null = null;
  #writeRequests: Deferred[] = [];
  #inFlightWrite: Deferred | null = null;
  #closeRequest: Deferred | null = null;
  #inFlightClose: Deferred | null = null;
  #pendingAbort: PendingAbort | null = null;
  #backpressure = false;
  // The controller's slots.
  // Of unknown, not W: nothing read from it leaves the class, and so a WritableStream<W> takes writes of any narrower type (as the DOM's types allow).
  #queue = new QueueWithSizes<unknown>();
  #started = false;
  #highWaterMark: number;
  #size: ((chunk: W) => number) | null;
  #sink: UnderlyingSink<W> | null;
  #controller: WritableStreamDefaultController;

  constructor(sink: UnderlyingSink<W> = {}, strategy: QueuingStrategy<W> = {}) {
    if ((sink as { type?: unknown }).type !== undefined) throw new RangeError('WritableStream: a sink type is not supported');
    ({ highWaterMark: this.#highWaterMark, size: this.#size } = extractStrategy(strategy, 1));
    this.#sink = sink;
    this.#controller = new WritableStreamDefaultController(this as unknown as WritableStream<never>, CONTROLLER_KEY);
    this.#updateBackpressure(this.#getBackpressure());
    Promise.resolve(sink.start?.call(sink, this.#controller)).then(
      () => {
        this.#started = true;
        this.#advanceQueueIfNeeded();
      },
      (reason) => {
        this.#started = true;
        this.#dealWithRejection(reason);
      },
    );
  }

  get locked(): boolean {
    return this.#writer !== null;
  }

  abort(reason?: unknown): Promise<void> {
    if (this.locked) return Promise.reject(new TypeError('WritableStream.abort: the stream is locked to a writer'));
    return WritableStream.abortStream(this, reason);
  }

  close(): Promise<void> {
    if (this.locked) return Promise.reject(new TypeError('WritableStream.close: the stream is locked to a writer'));
    if (this.#closeQueuedOrInFlight()) return Promise.reject(new TypeError('WritableStream.close: already closing'));
    return WritableStream.closeStream(this);
  }

  getWriter(): WritableStreamDefaultWriter<W> {
    return new WritableStreamDefaultWriter(this);
  }

  get [Symbol.toStringTag](): string {
    return 'WritableStream';
  }

  // The steps the controller, the writer, pipes and TransformStream run on the stream.

  static stateOf<T>(stream: WritableStream<T>): { state: State; error: unknown; closing: boolean } {
    return { state: stream.#state, error: stream.#storedError, closing: stream.#closeQueuedOrInFlight() };
  }

  /** WritableStreamDefaultControllerErrorIfNeeded. */
  static errorIfNeeded<T>(stream: WritableStream<T>, reason: unknown): void {
    if (stream.#state !== 'writable') return;
    stream.#clearAlgorithms();
    stream.#startErroring(reason);
  }

  /** WritableStreamAbort. */
  static abortStream<T>(stream: WritableStream<T>, reason: unknown): Promise<void> {
    if (stream.#state === 'closed' || stream.#state === 'errored') return Promise.resolve();
    WritableStreamDefaultController.signalAbort(stream.#controller, reason);
    // Aborting the signal runs listeners, which may have changed the state.
    const state = stream.#state as State;
    if (state === 'closed' || state === 'errored') return Promise.resolve();
    if (stream.#pendingAbort) return stream.#pendingAbort.deferred.promise;
    const wasAlreadyErroring = state === 'erroring';
    const deferred = new Deferred();
    stream.#pendingAbort = { deferred, reason: wasAlreadyErroring ? undefined : reason, wasAlreadyErroring };
    if (!wasAlreadyErroring) stream.#startErroring(reason);
    return deferred.promise;
  }

  /** WritableStreamClose. */
  static closeStream<T>(stream: WritableStream<T>): Promise<void> {
    if (stream.#state === 'closed' || stream.#state === 'errored') return Promise.reject(new TypeError('WritableStream: closed or errored'));
    const deferred = new Deferred();
    stream.#closeRequest = deferred;
    if (stream.#writer && stream.#backpressure && stream.#state === 'writable') WritableStreamDefaultWriter.readyPromise(stream.#writer).resolve();
    stream.#queue.enqueue(CLOSE_SENTINEL, 0);
    stream.#advanceQueueIfNeeded();
    return deferred.promise;
  }

  /** WritableStreamDefaultWriterWrite. */
  static write<T>(stream: WritableStream<T>, chunk: T): Promise<void> {
    let size = 1;
    try {
      if (stream.#size) size = stream.#size(chunk);
    } catch (err) {
      WritableStream.errorIfNeeded(stream, err);
    }
    if (stream.#state === 'errored') return Promise.reject(stream.#storedError);
    if (stream.#closeQueuedOrInFlight() || stream.#state === 'closed') return Promise.reject(new TypeError('WritableStream: write after close'));
    if (stream.#state === 'erroring') return Promise.reject(stream.#storedError);
    const request = new Deferred();
    stream.#writeRequests.push(request);
    try {
      stream.#queue.enqueue(chunk, size);
    } catch (err) {
      WritableStream.errorIfNeeded(stream, err);
      return request.promise;
    }
    if (!stream.#closeQueuedOrInFlight() && stream.#state === 'writable') stream.#updateBackpressure(stream.#getBackpressure());
    stream.#advanceQueueIfNeeded();
    return request.promise;
  }

  /** WritableStreamDefaultWriterGetDesiredSize. */
  static desiredSize<T>(stream: WritableStream<T>): number | null {
    if (stream.#state === 'errored' || stream.#state === 'erroring') return null;
    if (stream.#state === 'closed') return 0;
    return stream.#highWaterMark - stream.#queue.totalSize;
  }

  static lock<T>(stream: WritableStream<T>, writer: WritableStreamDefaultWriter<T> | null): void {
    if (writer && stream.#writer) throw new TypeError('WritableStream: already locked to a writer');
    stream.#writer = writer;
  }

  static hasBackpressure<T>(stream: WritableStream<T>): boolean {
    return stream.#backpressure;
  }

  #closeQueuedOrInFlight(): boolean {
    return this.#closeRequest !== null || this.#inFlightClose !== null;
  }

  #getBackpressure(): boolean {
    return this.#highWaterMark - this.#queue.totalSize <= 0;
  }

  #updateBackpressure(backpressure: boolean): void {
    if (this.#writer && backpressure !== this.#backpressure) {
      if (backpressure) WritableStreamDefaultWriter.resetReady(this.#writer);
      else WritableStreamDefaultWriter.readyPromise(this.#writer).resolve();
    }
    this.#backpressure = backpressure;
  }

  #clearAlgorithms(): void {
    this.#sink = null;
    this.#size = null;
  }

  #dealWithRejection(reason: unknown): void {
    if (this.#state === 'writable') this.#startErroring(reason);
    else this.#finishErroring();
  }

  #startErroring(reason: unknown): void {
    this.#storedError = reason;
    this.#state = 'erroring';
    if (this.#writer) WritableStreamDefaultWriter.rejectReady(this.#writer, reason);
    if (this.#inFlightWrite === null && this.#inFlightClose === null && this.#started) this.#finishErroring();
  }

  #finishErroring(): void {
    this.#state = 'errored';
    this.#queue.reset();
    for (const request of this.#writeRequests.splice(0)) request.reject(this.#storedError);
    const abort = this.#pendingAbort;
    this.#pendingAbort = null;
    if (!abort) return this.#rejectCloseAndClosedPromiseIfNeeded();
    if (abort.wasAlreadyErroring) {
      abort.deferred.reject(this.#storedError);
      return this.#rejectCloseAndClosedPromiseIfNeeded();
    }
    const sink = this.#sink;
    this.#clearAlgorithms();
    promiseCall(() => sink?.abort?.call(sink, abort.reason)).then(
      () => {
        abort.deferred.resolve();
        this.#rejectCloseAndClosedPromiseIfNeeded();
      },
      (reason) => {
        abort.deferred.reject(reason);
        this.#rejectCloseAndClosedPromiseIfNeeded();
      },
    );
  }

  #rejectCloseAndClosedPromiseIfNeeded(): void {
    if (this.#closeRequest) {
      this.#closeRequest.reject(this.#storedError);
      this.#closeRequest = null;
    }
    if (this.#writer) WritableStreamDefaultWriter.rejectClosed(this.#writer, this.#storedError);
  }

  #advanceQueueIfNeeded(): void {
    if (!this.#started || this.#inFlightWrite !== null) return;
    if (this.#state === 'erroring') return this.#finishErroring();
    if (this.#queue.length === 0) return;
    const value = this.#queue.peek();
    if (value === CLOSE_SENTINEL) this.#processClose();
    else this.#processWrite(value as W);
  }

  #processClose(): void {
    this.#inFlightClose = this.#closeRequest;
    this.#closeRequest = null;
    this.#queue.dequeue();
    const sink = this.#sink;
    this.#clearAlgorithms();
    promiseCall(() => sink?.close?.call(sink)).then(
      () => {
        this.#inFlightClose!.resolve();
        this.#inFlightClose = null;
        if (this.#state === 'erroring') {
          this.#storedError = undefined;
          this.#pendingAbort?.deferred.resolve();
          this.#pendingAbort = null;
        }
        this.#state = 'closed';
        if (this.#writer) WritableStreamDefaultWriter.resolveClosed(this.#writer);
      },
      (reason) => {
        this.#inFlightClose!.reject(reason);
        this.#inFlightClose = null;
        this.#pendingAbort?.deferred.reject(reason);
        this.#pendingAbort = null;
        this.#dealWithRejection(reason);
      },
    );
  }

  #processWrite(chunk: W): void {
    this.#inFlightWrite = this.#writeRequests.shift()!;
    const sink = this.#sink;
    promiseCall(() => sink?.write?.call(sink, chunk, this.#controller)).then(
      () => {
        this.#inFlightWrite!.resolve();
        this.#inFlightWrite = null;
        this.#queue.dequeue();
        if (!this.#closeQueuedOrInFlight() && this.#state === 'writable') this.#updateBackpressure(this.#getBackpressure());
        this.#advanceQueueIfNeeded();
      },
      (reason) => {
        if (this.#state === 'writable') this.#clearAlgorithms();
        this.#inFlightWrite!.reject(reason);
        this.#inFlightWrite = null;
        this.#dealWithRejection(reason);
      },
    );
  }
}

export class WritableStreamDefaultWriter<W> {
  #stream: WritableStream<W> | null;
  #ready: Deferred;
  #closed: Deferred;

  constructor(stream: WritableStream<W>) {
    WritableStream.lock(stream, this);
    this.#stream = stream;
    const { state, error, closing } = WritableStream.stateOf(stream);
    this.#closed = new Deferred(true);
    if (state === 'writable') this.#ready = !closing && WritableStream.hasBackpressure(stream) ? new Deferred(true) : Deferred.resolved<void>(undefined);
    else if (state === 'erroring') this.#ready = Deferred.rejected(error);
    else if (state === 'closed') {
      this.#ready = Deferred.resolved<void>(undefined);
      this.#closed.resolve();
    } else {
      this.#ready = Deferred.rejected(error);
      this.#closed.reject(error);
    }
  }

  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  get ready(): Promise<void> {
    return this.#ready.promise;
  }

  get desiredSize(): number | null {
    if (!this.#stream) throw new TypeError('WritableStreamDefaultWriter: released');
    return WritableStream.desiredSize(this.#stream);
  }

  abort(reason?: unknown): Promise<void> {
    if (!this.#stream) return Promise.reject(new TypeError('WritableStreamDefaultWriter: released'));
    return WritableStream.abortStream(this.#stream, reason);
  }

  close(): Promise<void> {
    if (!this.#stream) return Promise.reject(new TypeError('WritableStreamDefaultWriter: released'));
    if (WritableStream.stateOf(this.#stream).closing) return Promise.reject(new TypeError('WritableStreamDefaultWriter: already closing'));
    return WritableStream.closeStream(this.#stream);
  }

  write(chunk: W): Promise<void> {
    if (!this.#stream) return Promise.reject(new TypeError('WritableStreamDefaultWriter: released'));
    return WritableStream.write(this.#stream, chunk);
  }

  releaseLock(): void {
    if (!this.#stream) return;
    const released = new TypeError('WritableStreamDefaultWriter: the lock was released');
    WritableStreamDefaultWriter.rejectReady(this, released);
    WritableStreamDefaultWriter.rejectClosed(this, released);
    WritableStream.lock(this.#stream, null);
    this.#stream = null;
  }

  get [Symbol.toStringTag](): string {
    return 'WritableStreamDefaultWriter';
  }

  static readyPromise<T>(writer: WritableStreamDefaultWriter<T>): Deferred {
    return writer.#ready;
  }

  static resetReady<T>(writer: WritableStreamDefaultWriter<T>): void {
    writer.#ready = new Deferred(true);
  }

  /** WritableStreamDefaultWriterEnsureReadyPromiseRejected. */
  static rejectReady<T>(writer: WritableStreamDefaultWriter<T>, reason: unknown): void {
    if (writer.#ready.settled) writer.#ready = Deferred.rejected(reason);
    else writer.#ready.reject(reason);
  }

  /** WritableStreamDefaultWriterEnsureClosedPromiseRejected. */
  static rejectClosed<T>(writer: WritableStreamDefaultWriter<T>, reason: unknown): void {
    if (writer.#closed.settled) writer.#closed = Deferred.rejected(reason);
    else writer.#closed.reject(reason);
  }

  static resolveClosed<T>(writer: WritableStreamDefaultWriter<T>): void {
    writer.#closed.resolve();
  }
}
