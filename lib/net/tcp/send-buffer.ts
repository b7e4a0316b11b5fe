/**
 * The bytes a connection has accepted from the application and not yet had
 * acknowledged: a fixed ring, so the hot path never allocates. Offset 0 is
 * the byte at SND.UNA. The ring is allocated on first use and can be given
 * back once empty, so half-open and TIME-WAIT connections cost little.
 */
export class SendBuffer {
  private ring: Uint8Array | null = null;
  private head = 0;
  length = 0;

  constructor(readonly capacity: number) {}

  /** Frees the ring while nothing is buffered; the next append allocates it again. */
  release(): void {
    if (this.length > 0) return;
    this.ring = null;
    this.head = 0;
  }

  get free(): number {
    return this.capacity - this.length;
  }

  /** Copies as much of `src[start..end)` as fits; returns how many bytes it took. */
  append(src: Uint8Array, start: number, end: number): number {
    const n = Math.min(end - start, this.free);
    if (n <= 0) return 0;
    if (this.ring === null) this.ring = new Uint8Array(this.capacity);
    const ring = this.ring;
    let tail = (this.head + this.length) % this.capacity;
    let done = 0;
    while (done < n) {
      const chunk = Math.min(n - done, this.capacity - tail);
      ring.set(src.subarray(start + done, start + done + chunk), tail);
      done += chunk;
      tail = 0;
    }
    this.length += n;
    return n;
  }

  /** Copies `length` bytes starting `offset` bytes after SND.UNA into `dst` at `at`. */
  copyOut(offset: number, length: number, dst: Uint8Array, at: number): void {
    if (length <= 0) return;
    const ring = this.ring!;
    let pos = (this.head + offset) % this.capacity;
    let done = 0;
    while (done < length) {
      const chunk = Math.min(length - done, this.capacity - pos);
      dst.set(ring.subarray(pos, pos + chunk), at + done);
      done += chunk;
      pos = 0;
    }
  }

  /** Drops `n` acknowledged bytes from the front. */
  consume(n: number): void {
    const k = Math.min(n, this.length);
    this.head = (this.head + k) % this.capacity;
    this.length -= k;
  }
}
