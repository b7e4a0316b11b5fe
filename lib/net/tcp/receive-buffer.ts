/**
 * Received bytes the application has not read yet, plus out-of-order data
 * waiting for the gap before it to fill (RFC 9293 §3.10.7.4). Both live in
 * one fixed ring: out-of-order bytes are stored at their final position, so
 * reassembly never copies twice and memory never exceeds the capacity.
 *
 * Offsets of out-of-order ranges count from RCV.NXT (the end of the in-order
 * data). Each range remembers when it last grew, for SACK's rule that the
 * first block reports the most recently received segment (RFC 2018 §4).
 *
 * The ring holds what is buffered, not the whole window: it grows (as the
 * memory budget allows) when data arrives beyond its end and is given back
 * whenever the application has read everything, so a connection that sent a
 * few bytes and went quiet holds a small ring or none.
 */
import { UNLIMITED, type MemoryBudget } from '../../devices/memory-budget.ts';
import { regrow, retireRing, ringSizeFor } from './ring-size.ts';

/** Out-of-order ranges kept at most; a segment that would need another is dropped (the peer resends it). */
export const MAX_OUT_OF_ORDER_RANGES = 16;
/** Until data first arrives out of order, a connection holds no range slots. */
const NO_OFFSETS = new Int32Array(0);
const NO_STAMPS = new Float64Array(0);

export class ReceiveBuffer {
  /** Allocated when data arrives, given back by `release` (see SendBuffer). */
  private ring: Uint8Array | null = null;
  private head = 0;
  /** In-order bytes not yet read by the application. */
  buffered = 0;
  private rangeCount = 0;
  private starts = NO_OFFSETS;
  private ends = NO_OFFSETS;
  private stamps = NO_STAMPS;
  private stamp = 0;

  constructor(
    readonly capacity: number,
    private readonly budget: MemoryBudget = UNLIMITED,
  ) {}

  /** Bytes of ring held now (counted in the budget). */
  get ringBytes(): number {
    return this.ring?.length ?? 0;
  }

  /** Frees the ring while it holds nothing. */
  release(): void {
    if (this.buffered > 0 || this.rangeCount > 0 || this.ring === null) return;
    this.budget.give(this.ring.length);
    retireRing(this.ring);
    this.ring = null;
    this.head = 0;
  }

  /** Frees the ring whatever it holds: the connection is gone. */
  discard(): void {
    this.buffered = 0;
    this.rangeCount = 0;
    this.release();
  }

  /**
   * Makes the ring large enough to store data up to `end` bytes after
   * RCV.NXT (end <= space) as far as the memory budget allows, and returns
   * how far data can be stored now (at most `end`). The smallest ring is
   * always granted, so a connection can make progress however tight the
   * budget; nothing else changes. Asked before a segment changes any state,
   * so that data is never acknowledged and then dropped.
   */
  reserve(end: number): number {
    if (end <= 0) return 0;
    const current = this.ring?.length ?? 0;
    const needed = this.buffered + end;
    if (current < needed) {
      const size = ringSizeFor(needed, this.capacity);
      if (this.budget.tryTake(size - current)) this.grow(size);
      else if (current === 0) {
        const least = ringSizeFor(0, this.capacity);
        this.budget.take(least);
        this.grow(least);
      }
    }
    const room = this.ring!.length - this.buffered;
    return end < room ? end : room;
  }

  private grow(size: number): void {
    const used = this.buffered + (this.rangeCount > 0 ? this.ends[this.rangeCount - 1]! : 0);
    this.ring = regrow(this.ring, this.head, used, size);
    this.head = 0;
  }

  /** Bytes that may still arrive beyond RCV.NXT: the window the buffer can honour. */
  get space(): number {
    return this.capacity - this.buffered;
  }

  get hasOutOfOrder(): boolean {
    return this.rangeCount > 0;
  }

  /**
   * Stores `src[start..end)`, whose first byte is `offset` bytes after
   * RCV.NXT (offset >= 0, offset + length <= space; the caller trims).
   * Returns how far RCV.NXT advances (0 for out-of-order data, -1 when it
   * was dropped because no range slot was left).
   */
  write(offset: number, src: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length <= 0) return 0;
    // The ring first: if it cannot hold them, no range may claim bytes that never arrived.
    if (this.reserve(offset + length) < offset + length) return -1;
    const ring = this.ring!;
    if (offset > 0 && !this.recordRange(offset, offset + length)) return -1;
    let pos = (this.head + this.buffered + offset) % ring.length;
    let done = 0;
    while (done < length) {
      const chunk = length - done < ring.length - pos ? length - done : ring.length - pos;
      ring.set(src.subarray(start + done, start + done + chunk), pos);
      done += chunk;
      pos = 0;
    }
    if (offset > 0) return 0;
    return this.advance(length);
  }

  /** Copies up to `max` in-order bytes out for the application and frees their space (the ring too, once empty). */
  read(max: number): Uint8Array {
    const n = max < this.buffered ? max : this.buffered;
    const out = new Uint8Array(n);
    if (n === 0) return out;
    const ring = this.ring!;
    let done = 0;
    while (done < n) {
      const chunk = n - done < ring.length - this.head ? n - done : ring.length - this.head;
      out.set(ring.subarray(this.head, this.head + chunk), done);
      done += chunk;
      this.head = (this.head + chunk) % ring.length;
    }
    this.buffered -= n;
    this.release();
    return out;
  }

  /**
   * Writes up to `max` SACK blocks (RFC 2018) into `out` as left, right
   * sequence pairs, given RCV.NXT; the most recently extended range first,
   * then the others from most to least recent. Returns the count.
   */
  sackBlocks(rcvNxt: number, out: Uint32Array, max: number): number {
    const n = Math.min(max, this.rangeCount);
    let taken = 0; // bit i set: range i already reported
    for (let k = 0; k < n; k++) {
      let best = -1;
      for (let i = 0; i < this.rangeCount; i++) {
        if ((taken & (1 << i)) === 0 && (best < 0 || this.stamps[i]! > this.stamps[best]!)) best = i;
      }
      taken |= 1 << best;
      out[2 * k] = (rcvNxt + this.starts[best]!) >>> 0;
      out[2 * k + 1] = (rcvNxt + this.ends[best]!) >>> 0;
    }
    return n;
  }

  /** In-order data grew by `length`: absorb ranges it reached; returns how far RCV.NXT moved. */
  private advance(length: number): number {
    let moved = length;
    // Ranges are sorted and disjoint: the first may now touch or overlap the in-order end.
    while (this.rangeCount > 0 && this.starts[0]! <= moved) {
      moved = Math.max(moved, this.ends[0]!);
      this.removeRange(0);
    }
    for (let i = 0; i < this.rangeCount; i++) {
      this.starts[i] = this.starts[i]! - moved;
      this.ends[i] = this.ends[i]! - moved;
    }
    this.buffered += moved;
    return moved;
  }

  /** Adds [start, end) to the sorted, disjoint range list, merging neighbours; false when no slot is left. */
  private recordRange(start: number, end: number): boolean {
    let i = 0;
    while (i < this.rangeCount && this.ends[i]! < start) i++;
    // Ranges i..j-1 touch or overlap [start, end): merge them into one.
    let j = i;
    let s = start;
    let e = end;
    while (j < this.rangeCount && this.starts[j]! <= end) {
      s = Math.min(s, this.starts[j]!);
      e = Math.max(e, this.ends[j]!);
      j++;
    }
    const stamp = ++this.stamp;
    if (j > i) {
      this.starts[i] = s;
      this.ends[i] = e;
      this.stamps[i] = stamp;
      for (let k = j - 1; k > i; k--) this.removeRange(k);
      return true;
    }
    if (this.rangeCount === MAX_OUT_OF_ORDER_RANGES) return false;
    if (this.starts === NO_OFFSETS) {
      this.starts = new Int32Array(MAX_OUT_OF_ORDER_RANGES);
      this.ends = new Int32Array(MAX_OUT_OF_ORDER_RANGES);
      this.stamps = new Float64Array(MAX_OUT_OF_ORDER_RANGES);
    }
    for (let k = this.rangeCount; k > i; k--) {
      this.starts[k] = this.starts[k - 1]!;
      this.ends[k] = this.ends[k - 1]!;
      this.stamps[k] = this.stamps[k - 1]!;
    }
    this.starts[i] = s;
    this.ends[i] = e;
    this.stamps[i] = stamp;
    this.rangeCount++;
    return true;
  }

  private removeRange(i: number): void {
    for (let k = i; k + 1 < this.rangeCount; k++) {
      this.starts[k] = this.starts[k + 1]!;
      this.ends[k] = this.ends[k + 1]!;
      this.stamps[k] = this.stamps[k + 1]!;
    }
    this.rangeCount--;
  }
}
