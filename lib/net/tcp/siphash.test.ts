import { describe, expect, it } from 'vitest';
import { SipHash } from './siphash.ts';

describe('SipHash-2-4', () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i);

  it('matches the reference vector of the SipHash paper (15-byte message)', () => {
    const h = new SipHash(key).bytes(Uint8Array.from({ length: 15 }, (_, i) => i));
    expect(h.finishHigh32()).toBe(0xa129ca61);
    expect(h.finishLow32()).toBe(0x49be45e5);
  });

  it('matches the reference vectors for the empty and 8-byte messages', () => {
    const empty = new SipHash(key);
    expect([empty.finishHigh32(), empty.finishLow32()]).toEqual([0x726fdb47, 0xdd0e0e31]);
    const eight = new SipHash(key).bytes(Uint8Array.from({ length: 8 }, (_, i) => i));
    expect([eight.finishHigh32(), eight.finishLow32()]).toEqual([0x93f5f579, 0x9a932462]);
  });

  it('depends on the key', () => {
    const other = new SipHash(Uint8Array.from({ length: 16 }, (_, i) => i + 1));
    expect(other.u32(7).finishLow32()).not.toBe(new SipHash(key).u32(7).finishLow32());
  });

  it('rejects a key of the wrong size', () => {
    expect(() => new SipHash(new Uint8Array(8))).toThrow(RangeError);
  });
});
