/**
 * Random: cryptographically seeded bytes (TCP initial sequence numbers, DHCP
 * transaction ids, ephemeral ports). `fill` overwrites all of `buffer`.
 */
export interface Random {
  fill(buffer: Uint8Array): void;
}

/** A uniformly random 32-bit unsigned integer. */
export function randomU32(random: Random): number {
  const b = new Uint8Array(4);
  random.fill(b);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}
