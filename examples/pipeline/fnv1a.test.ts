import { describe, expect, it } from 'vitest';
import { fnv1a, FNV1A_OFFSET, hex32 } from './fnv1a.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('FNV-1a 32', () => {
  it('matches the published test vectors', () => {
    // From the FNV reference test suite (draft-eastlake-fnv): "", "a", "foobar".
    expect(fnv1a(new Uint8Array(0))).toBe(FNV1A_OFFSET);
    expect(hex32(fnv1a(ascii('a')))).toBe('0xe40c292c');
    expect(hex32(fnv1a(ascii('foobar')))).toBe('0xbf9cf968');
  });

  it('continues across chunks as over the whole', () => {
    const all = ascii('a stream cut in pieces');
    expect(fnv1a(all.subarray(9), fnv1a(all.subarray(0, 9)))).toBe(fnv1a(all));
  });

  it('tells a swapped pair of bytes apart', () => {
    expect(fnv1a(ascii('ab'))).not.toBe(fnv1a(ascii('ba')));
  });
});
