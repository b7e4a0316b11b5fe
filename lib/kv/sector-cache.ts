/**
 * The least recently used sectors of a device, in memory: a get whose
 * sectors are here costs no device read (on unix a pread system call, in an
 * image a hypercall). The sectors live in 64 KiB chunks allocated as the
 * cache fills, so a small store never pays for the whole size.
 *
 * The owner must drop (`forget`) every sector before writing it, and must not
 * `keep` what a read returned when a write to the device began meanwhile:
 * the cache never holds bytes older than the device's.
 */

const CHUNK_BYTES = 65536;

export class SectorCache {
  /** Sector number -> slot, least recently used first (a Map keeps insertion order). */
  private readonly slots = new Map<number, number>();
  private readonly chunks: Uint8Array[] = [];
  /** Slots given back by forget, to be used before new ones. */
  private readonly free: number[] = [];
  private readonly perChunk: number;
  private readonly capacity: number;

  constructor(
    private readonly sectorSize: number,
    bytes: number,
  ) {
    this.perChunk = Math.max(1, Math.floor(CHUNK_BYTES / sectorSize));
    this.capacity = Math.floor(bytes / sectorSize);
  }

  /** Copies sectors [first, first+count) into `into` if every one is here (and marks them used); false when any is missing. */
  fill(first: number, count: number, into: Uint8Array): boolean {
    if (this.capacity === 0) return false;
    for (let i = 0; i < count; i++) if (!this.slots.has(first + i)) return false;
    for (let i = 0; i < count; i++) {
      const slot = this.slots.get(first + i)!;
      this.slots.delete(first + i);
      this.slots.set(first + i, slot);
      into.set(this.sector(slot), i * this.sectorSize);
    }
    return true;
  }

  /** Keeps sectors [first, first+count) as `from` holds them (count sectors from its start). */
  keep(first: number, count: number, from: Uint8Array): void {
    for (let i = 0; i < count && this.capacity > 0; i++) {
      let slot = this.slots.get(first + i);
      if (slot === undefined) slot = this.free.pop() ?? this.newSlot();
      else this.slots.delete(first + i);
      this.slots.set(first + i, slot);
      this.sector(slot).set(from.subarray(i * this.sectorSize, (i + 1) * this.sectorSize));
    }
  }

  /** Drops sectors [first, first+count): they are about to be written. */
  forget(first: number, count: number): void {
    if (this.slots.size === 0) return;
    for (let i = 0; i < count; i++) {
      const slot = this.slots.get(first + i);
      if (slot === undefined) continue;
      this.slots.delete(first + i);
      this.free.push(slot);
    }
  }

  /** A slot not in use: a new one while there is room, else the least recently used sector's. */
  private newSlot(): number {
    const used = this.slots.size + this.free.length;
    if (used < this.capacity) {
      if (used === this.chunks.length * this.perChunk) this.chunks.push(new Uint8Array(this.perChunk * this.sectorSize));
      return used;
    }
    const [oldest, slot] = this.slots.entries().next().value as [number, number];
    this.slots.delete(oldest);
    return slot;
  }

  private sector(slot: number): Uint8Array {
    const at = (slot % this.perChunk) * this.sectorSize;
    return this.chunks[Math.floor(slot / this.perChunk)]!.subarray(at, at + this.sectorSize);
  }
}
