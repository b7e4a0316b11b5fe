import { describe, expect, it } from 'vitest';
import { SmallCopies } from './small-copies.ts';

describe('SmallCopies', () => {
  it('gives copies that are independent of the source and of each other', () => {
    const copies = new SmallCopies();
    const source = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const made = Array.from({ length: 200 }, (_, i) => copies.copy(source, i, i + 100));
    source.fill(0);
    made.forEach((c, i) => expect(c).toEqual(Uint8Array.from({ length: 100 }, (_, j) => (i + j) & 0xff)));
    made[0]!.fill(0xee);
    expect(made[1]![0]).toBe(1);
    expect(made[1]!.byteOffset % 8).toBe(0);
  });

  it('copies large ranges into a buffer of their own', () => {
    const big = new SmallCopies().copy(new Uint8Array(5000).fill(3), 10, 4010);
    expect(big.length).toBe(4000);
    expect(big.buffer.byteLength).toBe(4000);
  });
});
