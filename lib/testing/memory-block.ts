import { BlockError, checkBlockRequest, type Block, type BlockInfo } from '../devices/block.ts';

export interface MemoryBlockOptions {
  /** Bytes per sector: a power of two (default 512). */
  sectorSize?: number;
  /** Number of sectors (default 2048, 1 MiB at 512 bytes). Ignored when `storage` is given. */
  sectors?: number;
  /**
   * Bytes to use as the device, shared and not copied: two MemoryBlocks over
   * the same storage see each other's writes (a "reopened" disk). Its length
   * must be a whole number of sectors.
   */
  storage?: Uint8Array;
  readOnly?: boolean;
}

/**
 * A Block in memory, for unit tests: the same geometry checks and typed errors
 * as the real devices, so code tested against it behaves the same on a file
 * or a Solo5 block device.
 */
export class MemoryBlock implements Block {
  readonly info: BlockInfo;
  /** The device's bytes, for tests to inspect or corrupt. */
  readonly storage: Uint8Array;
  private closed = false;

  constructor(options: MemoryBlockOptions = {}) {
    const sectorSize = options.sectorSize ?? 512;
    if (!Number.isInteger(sectorSize) || sectorSize < 1 || (sectorSize & (sectorSize - 1)) !== 0) {
      throw new BlockError('misaligned', `sector size ${sectorSize}: expected a power of two`);
    }
    this.storage = options.storage ?? new Uint8Array(sectorSize * (options.sectors ?? 2048));
    if (this.storage.length % sectorSize !== 0) {
      throw new BlockError('misaligned', `storage of ${this.storage.length} bytes is not whole ${sectorSize}-byte sectors`);
    }
    this.info = { sectorSize, capacity: this.storage.length, readOnly: options.readOnly ?? false };
  }

  async read(offset: number, buffer: Uint8Array): Promise<void> {
    this.check(offset, buffer.length, false);
    buffer.set(this.storage.subarray(offset, offset + buffer.length));
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check(offset, data.length, true);
    this.storage.set(data, offset);
  }

  async flush(): Promise<void> {
    this.check(0, 0, false);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(offset: number, length: number, write: boolean): void {
    if (this.closed) throw new BlockError('closed', 'memory block: the device is closed');
    checkBlockRequest(this.info, offset, length, write);
  }
}
