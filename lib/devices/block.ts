import { KilnError } from '../errors.ts';

export type BlockErrorCode =
  /** Offset or length is not a whole number of sectors. */
  | 'misaligned'
  /** The request reaches past the end of the device. */
  | 'out-of-range'
  /** The device refuses writes. */
  | 'read-only'
  /** The host has no room left for the write. */
  | 'no-space'
  /** The host reported another I/O error. */
  | 'io'
  /** The device has been closed. */
  | 'closed'
  /** The device cannot be used here (for example by a forked child it was refused to). */
  | 'unavailable';

export class BlockError extends KilnError<BlockErrorCode> {}

export interface BlockInfo {
  /** Bytes per sector (512 by default). */
  sectorSize: number;
  /** Capacity in bytes, a whole number of sectors. */
  capacity: number;
  readOnly: boolean;
}

/**
 * Block: a fixed-size array of sectors (Solo5's BLOCK_BASIC device).
 *
 * Offsets and lengths are in bytes and must be whole sectors. A misaligned or
 * out-of-range request rejects with a `BlockError` and changes nothing.
 * `read(offset, buffer)` fills all of `buffer`; `write(offset, data)` writes
 * all of `data`; `flush()` resolves once every completed write is durable.
 */
export interface Block {
  readonly info: BlockInfo;
  read(offset: number, buffer: Uint8Array): Promise<void>;
  write(offset: number, data: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Checks a request against the device geometry, throwing the BlockError the
 * signature promises. Every implementation calls this before touching data.
 */
export function checkBlockRequest(info: BlockInfo, offset: number, length: number, write: boolean): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new BlockError('out-of-range', `block request offset ${offset} length ${length}: not a non-negative integer`);
  }
  if (offset % info.sectorSize !== 0 || length % info.sectorSize !== 0) {
    throw new BlockError(
      'misaligned',
      `block request offset ${offset} length ${length}: not whole sectors of ${info.sectorSize} bytes`,
    );
  }
  if (offset + length > info.capacity) {
    throw new BlockError(
      'out-of-range',
      `block request offset ${offset} length ${length}: past the end of the device (${info.capacity} bytes)`,
    );
  }
  if (write && info.readOnly) throw new BlockError('read-only', 'block device is read-only');
}
