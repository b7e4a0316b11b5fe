/**
 * Block over a regular file, as Solo5's tenders do it: capacity is the file's
 * size, which must be a whole number of sectors; reads and writes are
 * positioned (pread/pwrite); flush is fdatasync. Every request is checked before
 * any byte moves, so a bad one changes nothing.
 *
 * Reads, writes and flushes are synchronous system calls, as in the tender
 * (where a flush is a hypercall the unikernel waits for): reads and writes
 * usually hit the host's page cache, where a pread costs a few microseconds
 * and a round trip through libuv's thread pool some fifty. A flush waits for
 * the disk, and on the thread pool it cost that round trip too: two thread
 * wake-ups, which on a loaded host wait for a core each (lib/kv's durable
 * writes went from 1.2x to 1.5x SQLite's, which also syncs on the calling
 * thread, when the flush moved here). The event loop waits meanwhile; writes
 * that arrive then queue and share the next flush (lib/kv's group commit).
 * `flushOnThreadPool` trades the other way, for a service that must go on
 * answering while the disk syncs: lib/kv's README measured examples/notes'
 * GET p99 during durable PUTs at 20 ms on the loop and 2 ms on the pool.
 */
import { fdatasync, fdatasyncSync, readSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { BlockError, checkBlockRequest, type Block, type BlockInfo } from '../../lib/devices/block.ts';
import { errnoOf } from './host-errors.ts';

export interface FileBlockOptions {
  /** Bytes per sector: a power of two from 512 to 65536 (default 512). */
  sectorSize?: number;
  /** Open the file read-only; writes then fail with BlockError('read-only'). */
  readOnly?: boolean;
  /**
   * Flush on libuv's thread pool (default false: on the calling thread):
   * the event loop runs meanwhile, at the cost of two thread wake-ups per
   * flush (a single durable writer's sets took some 25 µs more).
   */
  flushOnThreadPool?: boolean;
}

function blockErrorFrom(err: unknown, what: string): BlockError {
  const errno = errnoOf(err);
  const code = errno === 'ENOSPC' || errno === 'EDQUOT' || errno === 'EFBIG' ? 'no-space' : 'io';
  return new BlockError(code, `${what}: ${err instanceof Error ? err.message : String(err)}`);
}

export function checkSectorSize(sectorSize: number): void {
  if (!Number.isInteger(sectorSize) || sectorSize < 512 || sectorSize > 65536 || (sectorSize & (sectorSize - 1)) !== 0) {
    throw new BlockError('misaligned', `sector size ${sectorSize}: expected a power of two from 512 to 65536`);
  }
}

class FileBlock implements Block {
  private closed = false;
  /** Flushes running on the thread pool: close waits for them, so their descriptor stays open. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly file: FileHandle,
    private readonly path: string,
    readonly info: BlockInfo,
    private readonly flushOnThreadPool: boolean,
  ) {}

  read(offset: number, buffer: Uint8Array): Promise<void> {
    return this.now(offset, buffer.length, false, `read at ${offset}`, () => {
      for (let done = 0; done < buffer.length; ) {
        const bytesRead = readSync(this.file.fd, buffer, done, buffer.length - done, offset + done);
        if (bytesRead === 0) throw new Error(`${this.path} is shorter than the device: was it truncated?`);
        done += bytesRead;
      }
    });
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    return this.now(offset, data.length, true, `write at ${offset}`, () => {
      for (let done = 0; done < data.length; ) done += writeSync(this.file.fd, data, done, data.length - done, offset + done);
    });
  }

  /** Data only (fdatasync): the file's size never changes, so its metadata need not reach the disk. */
  flush(): Promise<void> {
    if (!this.flushOnThreadPool) return this.now(0, 0, false, 'flush', () => fdatasyncSync(this.file.fd));
    try {
      this.check(0, 0, false);
    } catch (err) {
      return Promise.reject(err);
    }
    const op = new Promise<void>((resolve, reject) => fdatasync(this.file.fd, (err) => (err ? reject(blockErrorFrom(err, `block ${this.path} flush`)) : resolve())));
    this.inFlight.add(op);
    const done = (): void => void this.inFlight.delete(op);
    op.then(done, done);
    return op;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.file.close();
  }

  private check(offset: number, length: number, write: boolean): void {
    if (this.closed) throw new BlockError('closed', `block ${this.path}: the device is closed`);
    checkBlockRequest(this.info, offset, length, write);
  }

  /** A request, done before this returns (see above); its outcome as a promise. */
  private now(offset: number, length: number, write: boolean, what: string, io: () => void): Promise<void> {
    try {
      this.check(offset, length, write);
      io();
      return Promise.resolve();
    } catch (err) {
      if (err instanceof BlockError) return Promise.reject(err);
      return Promise.reject(blockErrorFrom(err, `block ${this.path} ${what}`));
    }
  }
}

/**
 * Opens `path` as a Block device. Fails with BlockError when the file is
 * missing or not a regular file ('io'), or when its size is not a whole
 * number of sectors or the sector size is bad ('misaligned').
 */
export async function openFileBlock(path: string, options: FileBlockOptions = {}): Promise<Block> {
  const sectorSize = options.sectorSize ?? 512;
  checkSectorSize(sectorSize);
  const readOnly = options.readOnly ?? false;
  let file: FileHandle;
  try {
    file = await open(path, readOnly ? 'r' : 'r+');
  } catch (err) {
    throw blockErrorFrom(err, `block file ${path}`);
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new BlockError('io', `block file ${path}: not a regular file`);
    if (stat.size % sectorSize !== 0) {
      throw new BlockError(
        'misaligned',
        `block file ${path}: ${stat.size} bytes is not a whole number of ${sectorSize}-byte sectors`,
      );
    }
    return new FileBlock(file, path, { sectorSize, capacity: stat.size, readOnly }, options.flushOnThreadPool ?? false);
  } catch (err) {
    await file.close();
    throw err instanceof BlockError ? err : blockErrorFrom(err, `block file ${path}`);
  }
}
