/**
 * Ring sizes for the send and receive buffers: a ring holds what is buffered
 * now, not the most the buffer may hold, so an idle or lightly used
 * connection costs little (a slow client sending a few header bytes holds a
 * small ring, not the whole window). Sizes are powers of two from
 * MIN_RING_BYTES up to the buffer's capacity.
 */
export const MIN_RING_BYTES = 2048;

/** The ring size for `needed` bytes: the next power of two, at least the minimum, at most `capacity`. */
export function ringSizeFor(needed: number, capacity: number): number {
  let size = MIN_RING_BYTES;
  while (size < needed && size < capacity) size *= 2;
  return size < capacity ? size : capacity;
}

/**
 * Smallest rings given back, kept for the next connection that needs one
 * (a keep-alive connection takes and gives back a ring each way every
 * request, and a new typed array costs QuickJS a constructor call and a
 * zeroed allocation). Bounded: at most SPARE_RINGS * MIN_RING_BYTES bytes
 * are held outside every memory budget.
 */
const spareRings: Uint8Array[] = [];
const SPARE_RINGS = 16;

/** Gives a ring back: a smallest one is kept for reuse (its bytes are never read before they are written again). */
export function retireRing(ring: Uint8Array): void {
  if (ring.length === MIN_RING_BYTES && spareRings.length < SPARE_RINGS) spareRings.push(ring);
}

/**
 * A new ring of `size` bytes holding `used` bytes copied from `old` (a ring
 * of its own length, retired) starting at `head`, so that they start at 0.
 */
export function regrow(old: Uint8Array | null, head: number, used: number, size: number): Uint8Array {
  const ring = size === MIN_RING_BYTES && spareRings.length > 0 ? spareRings.pop()! : new Uint8Array(size);
  if (old === null) return ring;
  if (used > 0) {
    const first = Math.min(used, old.length - head);
    ring.set(old.subarray(head, head + first), 0);
    if (first < used) ring.set(old.subarray(0, used - first), first);
  }
  retireRing(old);
  return ring;
}
