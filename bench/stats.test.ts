import { describe, expect, it } from 'vitest';
import { summarize } from './stats.ts';

describe('summarize', () => {
  it('gives the median of odd and even sample counts', () => {
    expect(summarize([3, 1, 2]).median).toBe(2);
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
  });
  it('gives min, max and a relative interquartile range', () => {
    const s = summarize([10, 10, 10, 10, 20]);
    expect([s.min, s.max]).toEqual([10, 20]);
    expect(s.relativeIqr).toBe(0);
    expect(summarize([1, 2, 3, 4, 5]).relativeIqr).toBeCloseTo(2 / 3);
  });
  it('refuses an empty sample list', () => {
    expect(() => summarize([])).toThrow(/no samples/);
  });
});
