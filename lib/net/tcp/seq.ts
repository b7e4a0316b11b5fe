/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): a is "before" b
 * when the signed 32-bit difference a - b is negative. Numbers are kept as
 * unsigned 32-bit values.
 */

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

export function seqMax(a: number, b: number): number {
  return seqGt(a, b) ? a : b;
}

export function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a : b;
}
