import { afterEach, describe, expect, it } from 'vitest';
import { checksum, finishChecksum, pseudoHeaderSum, sumWords, useSumWords } from './checksum.ts';

afterEach(() => useSumWords());

describe('Internet checksum (RFC 1071)', () => {
  it('matches the worked example of RFC 1071 section 3', () => {
    const bytes = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
    expect(finishChecksum(sumWords(bytes, 0, bytes.length, 0))).toBe(~0xddf2 & 0xffff);
  });

  it('pads an odd last byte as the high half of a word, and sums a checksummed region to zero', () => {
    const bytes = Uint8Array.of(0x45, 0x00, 0x00, 0x1c, 0xab);
    expect(sumWords(bytes, 0, 5, 0)).toBe(0x4500 + 0x001c + 0xab00);
    const header = Uint8Array.of(0x45, 0, 0, 0x54, 0x12, 0x34, 0x40, 0, 0x40, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2);
    const c = checksum(header);
    header[10] = c >> 8;
    header[11] = c & 0xff;
    expect(checksum(header)).toBe(0);
  });

  it('stays exact over megabytes of 0xff (no overflow of the running sum)', () => {
    const bytes = new Uint8Array(4 << 20).fill(0xff);
    expect(checksum(bytes)).toBe(0);
  });

  it('routes every sum through a platform loop once installed, and back', () => {
    const calls: number[] = [];
    useSumWords((bytes, start, end, sum) => {
      calls.push(end - start);
      return sum + bytes[start]!;
    });
    expect(sumWords(Uint8Array.of(7, 0), 0, 2, pseudoHeaderSum(0, 0, 6, 0))).toBe(13);
    expect(calls).toEqual([2]);
    useSumWords();
    expect(sumWords(Uint8Array.of(7, 0), 0, 2, 0)).toBe(0x0700);
  });
});
