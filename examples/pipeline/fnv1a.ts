/**
 * FNV-1a, 32-bit (Fowler, Noll, Vo): a byte-at-a-time hash that is cheap to
 * compute while streaming, good enough to tell a reordered, dropped or
 * corrupted byte from the right stream.
 */
export const FNV1A_OFFSET = 0x811c9dc5;
const FNV1A_PRIME = 0x01000193;

/** Continues a running hash `h` over `bytes`. */
export function fnv1a(bytes: Uint8Array, h: number = FNV1A_OFFSET): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, FNV1A_PRIME);
  return h >>> 0;
}

export function hex32(h: number): string {
  return `0x${h.toString(16).padStart(8, '0')}`;
}
