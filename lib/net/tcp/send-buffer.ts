/**
 * The bytes a connection has accepted from the application and not yet had
 * acknowledged: a ring, so the hot path rarely allocates. Offset 0 is the
 * byte at SND.UNA. The ring grows with what is buffered (up to the
 * capacity, as the memory budget allows) and is given back once everything
 * was acknowledged, so idle, half-open and TIME-WAIT connections cost little.
 */
import { UNLIMITED, type MemoryBudget } from '../../devices/memory-budget.ts';
import { MIN_RING_BYTES, regrow, retireRing, ringSizeFor } from './ring-size.ts';

export class SendBuffer {
  private ring: Uint8Array | null = null;
  private head = 0;
  length = 0;

  constructor(
    readonly capacity: number,
    private readonly budget: MemoryBudget = UNLIMITED,
  ) {}

  /** Bytes of ring held now (counted in the budget). */
  get ringBytes(): number {
    return this.ring?.length ?? 0;
  }

  /** Frees the ring while nothing is buffered; the next append allocates it again. */
  release(): void {
    if (this.length > 0 || this.ring === null) return;
    this.budget.give(this.ring.length);
    retireRing(this.ring);
    this.ring = null;
    this.head = 0;
  }

  /** Frees the ring whatever it holds: the connection is gone. */
  discard(): void {
    this.length = 0;
    this.release();
  }

  get free(): number {
    return this.capacity - this.length;
  }

  /**
   * Copies as much of `src[start..end)` as fits; returns how many bytes it
   * took. The smallest ring is always granted (a connection must be able to
   * answer); beyond it the ring grows only as far as the budget allows, and
   * the writer waits for acknowledgements to make room.
   */
  append(src: Uint8Array, start: number, end: number): number {
    const wanted = end - start < this.free ? end - start : this.free;
    if (wanted <= 0) return 0;
    this.makeRoom(this.length + wanted);
    const ring = this.ring!;
    const n = wanted < ring.length - this.length ? wanted : ring.length - this.length;
    let tail = (this.head + this.length) % ring.length;
    let done = 0;
    while (done < n) {
      const chunk = n - done < ring.length - tail ? n - done : ring.length - tail;
      ring.set(src.subarray(start + done, start + done + chunk), tail);
      done += chunk;
      tail = 0;
    }
    this.length += n;
    return n;
  }

  /** Grows the ring towards `needed` bytes, as far as the budget allows (the smallest ring always). */
  private makeRoom(needed: number): void {
    const current = this.ring?.length ?? 0;
    if (current >= needed) return;
    const room = this.budget.limit - this.budget.used;
    let size = ringSizeFor(needed, this.capacity);
    while (size > current && size > MIN_RING_BYTES && size - current > room) size /= 2;
    if (size <= current) return;
    if (size <= MIN_RING_BYTES) this.budget.take(size - current);
    else if (!this.budget.tryTake(size - current)) return;
    this.ring = regrow(this.ring, this.head, this.length, size);
    this.head = 0;
  }

  /** Copies `length` bytes starting `offset` bytes after SND.UNA into `dst` at `at`. */
  copyOut(offset: number, length: number, dst: Uint8Array, at: number): void {
    if (length <= 0) return;
    const ring = this.ring!;
    let pos = (this.head + offset) % ring.length;
    let done = 0;
    while (done < length) {
      const chunk = length - done < ring.length - pos ? length - done : ring.length - pos;
      dst.set(ring.subarray(pos, pos + chunk), at + done);
      done += chunk;
      pos = 0;
    }
  }

  /** Drops `n` acknowledged bytes from the front; the ring goes back once empty. */
  consume(n: number): void {
    const k = n < this.length ? n : this.length;
    if (k === 0) return;
    this.head = (this.head + k) % this.ring!.length;
    this.length -= k;
    if (this.length === 0) this.release();
  }
}
