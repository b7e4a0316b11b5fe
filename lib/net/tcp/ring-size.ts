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
  return Math.min(size, capacity);
}

/**
 * A new ring of `size` bytes holding `used` bytes copied from `old` (a ring
 * of its own length) starting at `head`, so that they start at 0.
 */
export function regrow(old: Uint8Array | null, head: number, used: number, size: number): Uint8Array {
  const ring = new Uint8Array(size);
  if (old === null || used === 0) return ring;
  const first = Math.min(used, old.length - head);
  ring.set(old.subarray(head, head + first), 0);
  if (first < used) ring.set(old.subarray(0, used - first), first);
  return ring;
}
