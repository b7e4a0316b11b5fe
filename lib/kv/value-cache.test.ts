import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../testing/seeded-random.ts';
import { ValueCache, type Cached } from './value-cache.ts';

interface Value extends Cached {
  fill: number;
}
const value = (size: number, fill: number): Value => ({ size, fill, cachedAt: -1, used: false });
const bytes = (v: Value): Uint8Array => new Uint8Array(v.size).fill(v.fill);
/** What the cache holds for `v`, or undefined. */
const cachedOf = (cache: ValueCache<Value>, v: Value): Uint8Array | undefined => (v.cachedAt < 0 ? undefined : cache.bytes.slice(v.cachedAt, v.cachedAt + v.size));

describe('ValueCache', () => {
  it('gives back what it kept, and nothing for a value it never kept', () => {
    const cache = new ValueCache<Value>(4096);
    const a = value(100, 1);
    const b = value(30, 2);
    cache.keep(a, bytes(a));
    expect(cachedOf(cache, a)).toEqual(bytes(a));
    expect(cachedOf(cache, b)).toBeUndefined();
  });

  it('makes the oldest unused values give way, and gives a used one a second chance', () => {
    const cache = new ValueCache<Value>(1024);
    const vs = Array.from({ length: 8 }, (_, i) => value(120, i)); // 128 bytes each: the arena holds 8
    for (const v of vs) cache.keep(v, bytes(v));
    vs[0]!.used = true;
    const next = value(120, 9);
    cache.keep(next, bytes(next));
    expect(cachedOf(cache, vs[0]!)).toEqual(bytes(vs[0]!));
    expect(cachedOf(cache, vs[1]!)).toBeUndefined();
    expect(cachedOf(cache, next)).toEqual(bytes(next));
  });

  it('keeps no value larger than an eighth of it, and nothing at size 0', () => {
    const cache = new ValueCache<Value>(1024);
    const big = value(129, 1);
    cache.keep(big, bytes(big));
    expect(cachedOf(cache, big)).toBeUndefined();
    const none = new ValueCache<Value>(0);
    const small = value(1, 1);
    none.keep(small, bytes(small));
    expect(cachedOf(none, small)).toBeUndefined();
  });

  it('forgets a dropped value', () => {
    const cache = new ValueCache<Value>(1024);
    const a = value(10, 1);
    cache.keep(a, bytes(a));
    cache.drop(a);
    expect(cachedOf(cache, a)).toBeUndefined();
  });

  it.each([2048, 150_000])('never gives wrong bytes nor holds more than its size (%i bytes, growing), whatever the sizes, uses and drops', (size) => {
    const r = new SeededRandom(size);
    const cache = new ValueCache<Value>(size);
    const all: Value[] = [];
    for (let i = 0; i < 8_000; i++) {
      const pick = r.nextU32() % 10;
      if (pick < 5 || all.length === 0) {
        const v = value(r.nextU32() % Math.min(260, size / 8), i & 255);
        all.push(v);
        cache.keep(v, bytes(v));
      } else if (pick < 9) all[r.nextU32() % all.length]!.used = true;
      else cache.drop(all[r.nextU32() % all.length]!);
      if (i % 100 !== 99) continue;
      let held = 0;
      const spans: [number, number][] = [];
      for (const v of all) {
        const got = cachedOf(cache, v);
        if (!got) continue;
        if (got.some((b) => b !== v.fill)) throw new Error(`step ${i}: a value of ${v.size} bytes came back wrong`);
        held += v.size;
        spans.push([v.cachedAt, v.cachedAt + v.size]);
      }
      expect(held).toBeLessThanOrEqual(size);
      spans.sort((x, y) => x[0] - y[0]);
      for (let j = 1; j < spans.length; j++) expect(spans[j]![0]).toBeGreaterThanOrEqual(spans[j - 1]![1]);
    }
  });
});
