/**
 * The Internet checksum (RFC 1071): the ones' complement of the ones'
 * complement sum of 16-bit big-endian words. Used by IPv4, ICMP, UDP and TCP.
 */

/**
 * Adds `bytes[start..end)` to a running sum (`sum` a non-negative safe
 * integer); the result may or may not be folded, `finishChecksum` folds it.
 */
export type SumWords = (bytes: Uint8Array, start: number, end: number, sum: number) => number;

function sumWordsInJs(bytes: Uint8Array, start: number, end: number, sum: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  // Unfolded: it stays a safe integer for any buffer below 2^37 bytes.
  return sum;
}

/**
 * Adds `bytes[start..end)` to a running sum: every
 * checksum in the stack goes through here. The platform's function itself
 * once `useSumWords` gave one (a live binding, not a JavaScript frame around it).
 */
export let sumWords: SumWords = sumWordsInJs;

/**
 * Replaces the summing loop with a platform's faster one computing the same
 * sum (the hvt runtime's C loop is about 40x the JavaScript one under
 * QuickJS); with no argument, goes back to the JavaScript loop.
 */
export function useSumWords(impl: SumWords = sumWordsInJs): void {
  sumWords = impl;
}

/** Folds a running sum to 16 bits and complements it. */
export function finishChecksum(sum: number): number {
  // Division, not shifts: the running sum may exceed 32 bits.
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Checksum of `bytes[start..end)`. A region that contains a correct checksum sums to 0. */
export function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const sum = sumWords(bytes, start, end, 0);
  // A platform's sum comes folded already: no call to fold it.
  return sum <= 0xffff ? ~sum & 0xffff : finishChecksum(sum);
}

/** The running sum of the IPv4 pseudo-header (RFC 793 §3.1, RFC 768) for UDP and TCP. */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}
