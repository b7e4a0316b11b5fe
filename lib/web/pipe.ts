/**
 * ReadableStreamPipeTo (WHATWG Streams section 4.9.4): moves chunks from a
 * readable to a writable stream, reading only while the writer is ready
 * (backpressure), and carries the end across: the source closing closes the
 * destination, an error on either side aborts or cancels the other, and an
 * AbortSignal does both; each unless its `prevent*` option says not to.
 * Pending writes finish before the destination is closed or aborted.
 */
import type { AbortSignal } from './abort.ts';
import type { ReadableStream } from './readable-stream.ts';
import { WritableStream } from './writable-stream.ts';

export interface PipeOptions {
  preventClose?: boolean;
  preventAbort?: boolean;
  preventCancel?: boolean;
  signal?: AbortSignal;
}

export function pipe<T>(source: ReadableStream<T>, destination: WritableStream<T>, options: PipeOptions): Promise<void> {
  if (!(destination instanceof WritableStream)) return Promise.reject(new TypeError('pipeTo: the destination is not a WritableStream'));
  if (source.locked) return Promise.reject(new TypeError('pipeTo: the source is locked'));
  if (destination.locked) return Promise.reject(new TypeError('pipeTo: the destination is locked'));
  const preventClose = Boolean(options.preventClose);
  const preventAbort = Boolean(options.preventAbort);
  const preventCancel = Boolean(options.preventCancel);
  const { signal } = options;
  const reader = source.getReader();
  const writer = destination.getWriter();
  let shuttingDown = false;
  let reading = false;
  let sourceClosed = false;
  // The last write started: shutting down waits for it, so every chunk read is written.
  let currentWrite: Promise<void> = Promise.resolve();

  return new Promise<void>((resolve, reject) => {
    const finalize = (error?: { reason: unknown }): void => {
      writer.releaseLock();
      reader.releaseLock();
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error.reason);
      else resolve();
    };
    const destinationWritable = (): boolean => {
      const { state, closing } = WritableStream.stateOf(destination);
      return state === 'writable' && !closing;
    };
    const shutdown = (action: (() => Promise<unknown>) | null, error?: { reason: unknown }): void => {
      if (shuttingDown) return;
      shuttingDown = true;
      const pending = destinationWritable() ? currentWrite.then(() => undefined, () => undefined) : Promise.resolve();
      void pending.then(() => {
        if (!action) return finalize(error);
        action().then(
          () => finalize(error),
          (reason: unknown) => finalize({ reason }),
        );
      });
    };

    const onAbort = (): void => {
      const reason = signal!.reason;
      const actions: (() => Promise<void>)[] = [];
      if (!preventAbort) actions.push(() => (WritableStream.stateOf(destination).state === 'writable' ? writer.abort(reason) : Promise.resolve()));
      if (!preventCancel) actions.push(() => (sourceClosed ? Promise.resolve() : reader.cancel(reason)));
      shutdown(() => Promise.all(actions.map((action) => action())), { reason });
    };
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort);
    }

    const onSourceClosed = (): void => {
      sourceClosed = true;
      if (preventClose) shutdown(null);
      else shutdown(() => closeWithErrorPropagation());
    };
    const closeWithErrorPropagation = (): Promise<void> => {
      const { state, error, closing } = WritableStream.stateOf(destination);
      if (closing || state === 'closed') return Promise.resolve();
      if (state === 'errored') return Promise.reject(error);
      return writer.close();
    };

    // Errors on either side, whenever they happen.
    reader.closed.then(
      () => {
        // A read in progress sees the end itself, after the chunks before it are written.
        if (!reading) onSourceClosed();
      },
      (reason: unknown) => {
        sourceClosed = true;
        if (preventAbort) shutdown(null, { reason });
        else shutdown(() => writer.abort(reason), { reason });
      },
    );
    writer.closed.then(
      () => {},
      (reason: unknown) => {
        if (preventCancel) shutdown(null, { reason });
        else shutdown(() => reader.cancel(reason), { reason });
      },
    );

    // The destination closing or closed before the pipe started.
    const { state, closing } = WritableStream.stateOf(destination);
    if (closing || state === 'closed') {
      const reason = new TypeError('pipeTo: the destination is closing or closed');
      if (preventCancel) shutdown(null, { reason });
      else shutdown(() => reader.cancel(reason), { reason });
      return;
    }

    const loop = async (): Promise<void> => {
      while (!shuttingDown) {
        await writer.ready;
        if (shuttingDown) return;
        reading = true;
        const result = await reader.read();
        reading = false;
        if (result.done) return onSourceClosed();
        if (shuttingDown) return;
        currentWrite = writer.write(result.value);
        currentWrite.catch(() => {});
      }
    };
    // A rejected ready or read is an error the closed handlers above act on.
    loop().catch(() => {
      reading = false;
    });
  });
}
