import { KilnError } from '../errors.ts';

export type PipeErrorCode =
  /** EPIPE: no read end is open anywhere (in this unikernel or any fork of it). */
  | 'broken-pipe'
  /** This end was closed here; it cannot be used any more. */
  | 'closed'
  /** Too many pipes are open. */
  | 'limit'
  /** The host reported an I/O error. */
  | 'io';

export class PipeError extends KilnError<PipeErrorCode> {}

/** The read end of a pipe. */
export interface PipeReader extends AsyncIterable<Uint8Array> {
  /**
   * Resolves with the next bytes (at least one, at most `max`), waiting while
   * the pipe is empty; resolves with `null` (end of file) once the pipe is
   * empty and no write end is open anywhere.
   */
  read(max?: number): Promise<Uint8Array | null>;
  /** Closes this end here; once every read end anywhere is closed, writers get EPIPE. */
  close(): Promise<void>;
}

/** The write end of a pipe. */
export interface PipeWriter {
  /**
   * Resolves once all of `data` is in the pipe, waiting while it is full
   * (bounded capacity). Rejects with `PipeError('broken-pipe')` once no read
   * end is open anywhere.
   */
  write(data: Uint8Array): Promise<void>;
  /** Closes this end here; once every write end anywhere is closed, readers get end of file. */
  close(): Promise<void>;
}

export interface PipeEnds {
  reader: PipeReader;
  writer: PipeWriter;
}

/**
 * Pipe: POSIX pipes that work across forks. Both ends of a pipe created before
 * a fork stay open in the child, so parent and child each hold a copy of each
 * end, and must close the ones they do not use (as with POSIX pipes).
 */
export interface Pipes {
  /** Capacity in bytes of new pipes: 64 KiB on unix (Linux's default), 256 KiB on hvt (a kiln-hvt ring). */
  readonly capacity: number;
  create(): Promise<PipeEnds>;
}
