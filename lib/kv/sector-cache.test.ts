import { describe, expect, it } from 'vitest';
import { SectorCache } from './sector-cache.ts';

const sector = (n: number): Uint8Array => new Uint8Array(512).fill(n);

describe('SectorCache', () => {
  it('gives back kept sectors, and nothing when one of a range is missing', () => {
    const cache = new SectorCache(512, 4096);
    cache.keep(10, 1, sector(10));
    cache.keep(11, 1, sector(11));
    const into = new Uint8Array(1024);
    expect(cache.fill(10, 2, into)).toBe(true);
    expect(into.subarray(0, 512)).toEqual(sector(10));
    expect(into.subarray(512)).toEqual(sector(11));
    expect(cache.fill(11, 2, into)).toBe(false);
  });

  it('evicts the least recently used sector when full', () => {
    const cache = new SectorCache(512, 3 * 512);
    for (const n of [1, 2, 3]) cache.keep(n, 1, sector(n));
    cache.fill(1, 1, new Uint8Array(512)); // 2 is now the oldest
    cache.keep(4, 1, sector(4));
    const into = new Uint8Array(512);
    expect(cache.fill(2, 1, into)).toBe(false);
    for (const n of [1, 3, 4]) {
      expect(cache.fill(n, 1, into)).toBe(true);
      expect(into).toEqual(sector(n));
    }
  });

  it('forgets sectors about to be written, and reuses their room', () => {
    const cache = new SectorCache(512, 2 * 512);
    cache.keep(5, 2, new Uint8Array([...sector(5), ...sector(6)]));
    cache.forget(6, 1);
    const into = new Uint8Array(512);
    expect(cache.fill(6, 1, into)).toBe(false);
    cache.keep(7, 1, sector(7));
    expect(cache.fill(5, 1, into)).toBe(true);
    expect(into).toEqual(sector(5));
    expect(cache.fill(7, 1, into)).toBe(true);
    expect(into).toEqual(sector(7));
  });

  it('of size 0 keeps nothing', () => {
    const cache = new SectorCache(512, 0);
    cache.keep(1, 1, sector(1));
    expect(cache.fill(1, 1, new Uint8Array(512))).toBe(false);
  });
});
