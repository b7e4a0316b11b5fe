/**
 * Copies of small byte ranges as views into shared slabs, as Node's small
 * Buffers are: a fresh ArrayBuffer per 100-byte value costs V8 about a
 * microsecond (an off-heap allocation and its bookkeeping), a view into a
 * slab a fifth of that, and a get is a few microseconds in all. The price:
 * a copy's `.buffer` holds other copies too (use the view, its byteOffset
 * and length), and a slab lives while any copy in it does.
 */

const SLAB_BYTES = 8192;
/** Larger copies get their own buffer: a slab would hold too few. */
const LARGEST = 1024;

export class SmallCopies {
  private slab = new ArrayBuffer(SLAB_BYTES);
  private used = SLAB_BYTES;

  /** A copy of `source[start, end)`, owned by nobody else. */
  copy(source: Uint8Array, start: number, end: number): Uint8Array {
    const length = end - start;
    if (length > LARGEST) return source.slice(start, end);
    if (this.used + length > SLAB_BYTES) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.used = 0;
    }
    const out = new Uint8Array(this.slab, this.used, length);
    out.set(source.subarray(start, end));
    // The next copy starts 8-byte aligned, so views of any element size fit on one.
    this.used += (length + 7) & ~7;
    return out;
  }
}
