/**
 * The two ends of a unix pipe, each over one kernel pipe descriptor wrapped
 * in a `net.Socket` (libuv treats a FIFO descriptor as a pipe stream).
 *
 * Reads: the socket reads into a fixed buffer and only while a `read()` waits
 * (one kernel read per wake-up, then it pauses), so no bytes are taken from
 * the kernel ahead of the app and the pipe's capacity is the kernel's. (The
 * one exception: a `read(max)` with `max` below what the kernel returned
 * keeps the rest here for the next read.) Writes resolve once libuv has
 * handed every byte to the kernel, so a full pipe holds the writer back. End of file and EPIPE come from the kernel, which
 * counts the ends open in every process, forked children included.
 *
 * Every operation first asks the process's PipeJournal: in a forked child
 * replaying its parent's steps, the parent's outcome is returned instead.
 */
import { Socket, type ConnectOpts, type SocketConstructorOpts } from 'node:net';
import { PipeError, type PipeReader, type PipeWriter } from '../../lib/devices/pipe.ts';
import type { PipeJournal, ReadOutcome } from './pipe-journal.ts';

/** Largest read; also the size of each reader's buffer. */
export const READ_MAX = 64 * 1024;

/** What a fork hands to the child for one end: its descriptor, or why it has none. */
export type EndState = 'eof' | 'broken' | 'closed';
export type Inheritable = { fd: number } | { state: EndState };

function checkMax(max: number): void {
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new RangeError(`PipeReader.read: max must be a positive integer, got ${String(max)}`);
  }
}

interface Waiter {
  max: number;
  resolve(data: Uint8Array | null): void;
  reject(err: PipeError): void;
}

/**
 * What both ends share: the descriptor (while open here), the state, and
 * closing. An end made without a descriptor starts in `state`: that is what a
 * forked child gets for an end its parent had closed ('closed'), or that had
 * seen end of file ('eof') or EPIPE ('broken').
 */
abstract class PipeEnd {
  protected socket: Socket | null = null;
  protected fd: number | null;
  protected state: 'open' | EndState;

  constructor(
    fd: number | null,
    protected readonly journal: PipeJournal,
    private readonly onClosed: () => void,
    state: EndState,
  ) {
    this.fd = fd;
    this.state = fd === null ? state : 'open';
  }

  inheritable(): Inheritable {
    return this.fd !== null && this.state === 'open' ? { fd: this.fd } : { state: this.state === 'open' ? 'closed' : this.state };
  }

  /** The kernel ended this end (end of file or EPIPE): its descriptor is gone. */
  protected finished(state: EndState): void {
    if (this.state === 'open') this.state = state;
    this.fd = null;
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.fd = null;
    this.closing();
    this.socket?.destroy();
    this.socket = null;
    this.onClosed();
  }

  /** Fails whatever waits on this end, as it closes. */
  protected abstract closing(): void;
}

export class UnixPipeReader extends PipeEnd implements PipeReader {
  private error: PipeError | null = null;
  /** Bytes of the last kernel read that the waiting read() had no room for. */
  private leftover: Uint8Array | null = null;
  private readonly waiters: Waiter[] = [];

  constructor(fd: number | null, journal: PipeJournal, onClosed: () => void, state: EndState = 'closed') {
    super(fd, journal, onClosed, state);
    if (fd === null) return;
    const buffer = new Uint8Array(READ_MAX);
    // pauseOnCreate and onread (both in Node's docs, missing from @types/node): read only when read() asks, into `buffer`.
    const options: SocketConstructorOpts & ConnectOpts & { pauseOnCreate: boolean } = {
      fd,
      readable: true,
      writable: false,
      allowHalfOpen: true,
      pauseOnCreate: true,
      onread: { buffer, callback: (n: number) => this.arrived(buffer.subarray(0, n)) },
    };
    this.socket = new Socket(options);
    this.socket.on('end', () => this.ended(null));
    this.socket.on('error', (err) => this.ended(new PipeError('io', `pipe read failed: ${err.message}`)));
  }

  read(max: number = READ_MAX): Promise<Uint8Array | null> {
    checkMax(max);
    const journal = this.journal.beginRead();
    if ('replayed' in journal) return settle(journal.replayed);
    const result = this.readLive(max);
    result.then(journal.live, journal.live);
    return result;
  }

  private readLive(max: number): Promise<Uint8Array | null> {
    if (this.state === 'closed') return Promise.reject(new PipeError('closed', 'read from a closed pipe end'));
    if (this.waiters.length === 0 && this.leftover) return Promise.resolve(this.take(max));
    if (this.error) return Promise.reject(this.error);
    if (this.state === 'eof') return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.waiters.push({ max, resolve, reject });
      this.socket!.resume();
    });
  }

  private take(max: number): Uint8Array {
    const data = this.leftover!;
    if (data.length <= max) {
      this.leftover = null;
      return data;
    }
    this.leftover = data.subarray(max);
    return data.subarray(0, max);
  }

  /** One kernel read's bytes (in the reused buffer); returns whether to keep reading. */
  private arrived(chunk: Uint8Array): boolean {
    this.leftover = chunk.slice();
    while (this.leftover && this.waiters.length > 0) {
      const w = this.waiters.shift()!;
      w.resolve(this.take(w.max));
    }
    return this.waiters.length > 0;
  }

  private ended(error: PipeError | null): void {
    this.finished('eof');
    this.error ??= error;
    for (const w of this.waiters.splice(0)) {
      if (this.error) w.reject(this.error);
      else w.resolve(null);
    }
  }

  protected closing(): void {
    this.leftover = null;
    for (const w of this.waiters.splice(0)) w.reject(new PipeError('closed', 'the pipe end was closed while a read waited'));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (let chunk = await this.read(); chunk !== null; chunk = await this.read()) yield chunk;
  }
}

function settle(outcome: ReadOutcome): Promise<Uint8Array | null> {
  return outcome instanceof PipeError ? Promise.reject(outcome) : Promise.resolve(outcome);
}

export class UnixPipeWriter extends PipeEnd implements PipeWriter {
  /** Rejecters of writes the kernel has not taken in full yet. */
  private readonly pending = new Set<(err: PipeError) => void>();

  constructor(fd: number | null, journal: PipeJournal, onClosed: () => void, state: EndState = 'closed') {
    super(fd, journal, onClosed, state);
    if (fd === null) return;
    this.socket = new Socket({ fd, readable: false, writable: true });
    // Failures reach write() through its callback; this listener only keeps them from being uncaught.
    this.socket.on('error', () => this.finished('broken'));
  }

  write(data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) {
      return Promise.reject(new TypeError(`PipeWriter.write: expected a Uint8Array, got ${typeof data}`));
    }
    const ordinal = this.journal.next('write');
    if (this.journal.replaying) {
      const failure = this.journal.failureOf('write', ordinal);
      return failure ? Promise.reject(failure) : Promise.resolve();
    }
    return this.writeLive(data).catch((err: PipeError) => {
      this.journal.recordFailure('write', ordinal, err);
      throw err;
    });
  }

  private writeLive(data: Uint8Array): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new PipeError('closed', 'write to a closed pipe end'));
    if (this.state === 'broken') return Promise.reject(brokenPipe());
    if (data.length === 0) return Promise.resolve();
    const socket = this.socket!;
    return new Promise((resolve, reject) => {
      this.pending.add(reject);
      socket.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength), (err) => {
        // After close() the write was already failed (Node reports success for writes cut off by destroy).
        if (!this.pending.delete(reject)) return;
        if (!err) return resolve();
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
          this.finished('broken');
          return reject(brokenPipe());
        }
        reject(new PipeError('io', `pipe write failed: ${err.message}`));
      });
    });
  }

  protected closing(): void {
    for (const reject of this.pending) reject(new PipeError('closed', 'the pipe end was closed while a write waited'));
    this.pending.clear();
  }
}

function brokenPipe(): PipeError {
  return new PipeError('broken-pipe', 'write to a pipe with no read end open anywhere (EPIPE)');
}
