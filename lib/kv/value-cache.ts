/**
 * Recently written and read values, in memory, so that a get of one costs
 * no device read and no checksum: a value enters the cache only as bytes
 * whose CRC is known to match (those it was written from, or a read that
 * passed the check), and a value's bytes never change (a new value is a
 * new object), so nothing is ever checked twice and no write has to
 * invalidate anything.
 *
 * The values are packed into one arena of the cache's size, filled like a
 * ring: a new value goes at the head, and the oldest ones there give way.
 * One an owner used since it was kept gets a second chance (it is moved to
 * the head, its mark cleared) instead, so what is read often stays. Small
 * values cost their bytes and a queue slot, not a buffer each (an
 * ArrayBuffer per 100-byte value is some 600 bytes of a Node process).
 */

/** What the cache keeps per value, on the owner's object: set by the cache, read by the owner. */
export interface Cached {
  /** Bytes of the value. */
  size: number;
  /** Where its bytes are in the arena, or -1 when not cached. */
  cachedAt: number;
  /** Set by the owner on every use; cleared when the value gets its second chance. */
  used: boolean;
}

/** Values larger than this part of the cache are not kept: one would push out many. */
const LARGEST_PART = 8;

/** Space a value takes in the arena: at least 8 bytes, so empty values too have a bounded count. */
const span = (size: number): number => Math.max(8, (size + 7) & ~7);

/** The arena starts this small and doubles as it fills, up to the cache's size: a small store never pays for all of it. */
const FIRST_ARENA = 65536;

export class ValueCache<V extends Cached> {
  private arena = new Uint8Array(0);
  /** Cached values, oldest first from `first`, and where each was put (a stale entry's value moved or left). */
  private values: V[] = [];
  private offsets: number[] = [];
  private first = 0;
  /** Where the next value goes. */
  private head = 0;

  constructor(private readonly size: number) {}

  /** Where cached values are: `v`'s bytes are at [v.cachedAt, v.cachedAt + v.size) until the next `keep` (read them, never write). */
  get bytes(): Uint8Array {
    return this.arena;
  }

  /** Keeps `bytes` (which must match the value's CRC) as `v`'s, unless too large. */
  keep(v: V, bytes: Uint8Array): void {
    if (v.cachedAt >= 0 || span(v.size) * LARGEST_PART > this.size) return;
    const at = this.room(span(v.size));
    this.arena.set(bytes, at);
    this.push(v, at);
  }

  /** Lets go of `v`'s bytes (it is no longer any key's value). */
  drop(v: V): void {
    v.cachedAt = -1;
  }

  /** The head, once `length` bytes are free from it: evicts the oldest values there, and moves the used ones to the head instead. */
  private room(length: number): number {
    for (;;) {
      if (this.first === this.values.length) {
        if (this.head + length > this.arena.length && !this.grow(this.head + length)) this.head = 0;
        return this.head;
      }
      const tail = this.offsets[this.first]!;
      if (this.head > tail) {
        // Free from the head to the end, and from the start to the tail.
        if (this.head + length <= this.arena.length || this.grow(this.head + length)) return this.head;
        this.head = 0; // the end stays unused until the head comes round again
        continue;
      }
      if (this.head + length <= tail) return this.head;
      this.evictOldest();
    }
  }

  /** Makes the arena at least `length` bytes long if the cache's size allows; false when it does not. */
  private grow(length: number): boolean {
    if (length > this.size) return false;
    const next = new Uint8Array(Math.min(this.size, Math.max(length, 2 * this.arena.length, FIRST_ARENA)));
    next.set(this.arena);
    this.arena = next;
    return true;
  }

  private evictOldest(): void {
    const v = this.values[this.first]!;
    const at = this.offsets[this.first]!;
    this.first++;
    if (this.first > 1024 && 2 * this.first > this.values.length) {
      this.values = this.values.slice(this.first);
      this.offsets = this.offsets.slice(this.first);
      this.first = 0;
    }
    if (v.cachedAt !== at) return; // dropped, or kept again elsewhere since
    if (!v.used) {
      v.cachedAt = -1;
      return;
    }
    // A second chance: its bytes move down to the head (which is at or before them).
    v.used = false;
    this.arena.copyWithin(this.head, at, at + v.size);
    this.push(v, this.head);
  }

  private push(v: V, at: number): void {
    v.cachedAt = at;
    this.values.push(v);
    this.offsets.push(at);
    this.head = at + span(v.size);
  }
}
