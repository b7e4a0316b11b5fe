/**
 * A Block that loses power on cue, for crash tests of what is stored on it.
 *
 * It keeps two images: what reads see, and what is durable (as of the last
 * flush). Writes since the last flush sit in a volatile cache, as in a disk.
 * `crashAfterWrites(n)` cuts the power once n more writes have completed:
 * every later call rejects with BlockError('io'). `survivor(random)` then
 * gives the bytes a restarted machine would find: the durable image with an
 * arbitrary subset of the cached sectors written, in an arbitrary order
 * (a disk reorders its cache), and possibly one sector torn partway (its
 * first bytes new, the rest old).
 */
import { BlockError, checkBlockRequest, type Block, type BlockInfo } from '../devices/block.ts';
import type { SeededRandom } from './seeded-random.ts';

export interface CrashBlockOptions {
  sectorSize?: number;
  sectors?: number;
  /** The device's starting bytes (copied), a whole number of sectors. */
  image?: Uint8Array;
}

interface CachedSector {
  offset: number;
  bytes: Uint8Array;
}

export class CrashBlock implements Block {
  readonly info: BlockInfo;
  private readonly visible: Uint8Array;
  private readonly durable: Uint8Array;
  private cache: CachedSector[] = [];
  private closed = false;
  private crashed = false;
  private writesLeft = Number.POSITIVE_INFINITY;
  /** Writes and flushes completed since the device was made. */
  writes = 0;
  flushes = 0;

  constructor(options: CrashBlockOptions = {}) {
    const sectorSize = options.sectorSize ?? 512;
    const image = options.image ?? new Uint8Array(sectorSize * (options.sectors ?? 128));
    if (image.length % sectorSize !== 0) throw new BlockError('misaligned', `an image of ${image.length} bytes is not whole ${sectorSize}-byte sectors`);
    this.visible = image.slice();
    this.durable = image.slice();
    this.info = { sectorSize, capacity: image.length, readOnly: false };
  }

  /** Cuts the power once `n` more writes have completed (the n-th completes, into the cache). */
  crashAfterWrites(n: number): void {
    this.writesLeft = n;
  }

  get hasCrashed(): boolean {
    return this.crashed;
  }

  async read(offset: number, buffer: Uint8Array): Promise<void> {
    this.check(offset, buffer.length, false);
    buffer.set(this.visible.subarray(offset, offset + buffer.length));
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check(offset, data.length, true);
    this.visible.set(data, offset);
    const s = this.info.sectorSize;
    for (let at = 0; at < data.length; at += s) this.cache.push({ offset: offset + at, bytes: data.slice(at, at + s) });
    this.writes++;
    if (--this.writesLeft <= 0) this.crashed = true;
  }

  async flush(): Promise<void> {
    this.check(0, 0, false);
    for (const c of this.cache) this.durable.set(c.bytes, c.offset);
    this.cache = [];
    this.flushes++;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** What survives the power cut: the durable image, a random subset of the cache in random order, maybe one torn sector. */
  survivor(random: SeededRandom, options: { tear?: boolean } = {}): Uint8Array {
    const image = this.durable.slice();
    const order = this.cache.slice();
    for (let i = order.length - 1; i > 0; i--) {
      const j = random.nextU32() % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const c of order) if (random.nextU32() & 1) image.set(c.bytes, c.offset);
    if ((options.tear ?? true) && order.length > 0) {
      const c = order[random.nextU32() % order.length]!;
      const keep = 1 + (random.nextU32() % (c.bytes.length - 1));
      image.set(c.bytes.subarray(0, keep), c.offset);
      image.set(this.durable.subarray(c.offset + keep, c.offset + c.bytes.length), c.offset + keep);
    }
    return image;
  }

  /** The image as it stands (every write, cached or not): a clean shutdown. */
  snapshot(): Uint8Array {
    return this.visible.slice();
  }

  private check(offset: number, length: number, write: boolean): void {
    if (this.closed) throw new BlockError('closed', 'crash block: the device is closed');
    if (this.crashed) throw new BlockError('io', 'crash block: the power is off');
    checkBlockRequest(this.info, offset, length, write);
  }
}
