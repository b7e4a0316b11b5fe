// runCase with sides that record when they were measured and hand out set samples.
import { describe, expect, it } from 'vitest';
import type { Side } from './benchmark.ts';
import { runCase } from './run-case.ts';

function recorded(log: string[], name: string, samples: number[]): Side {
  let next = 0;
  return {
    name,
    measure: async () => {
      log.push(name);
      return samples[next++]!;
    },
  };
}

describe('runCase', () => {
  it('alternates the order of the sides round by round and gives medians, spreads and the advantage', async () => {
    const log: string[] = [];
    const r = await runCase({ label: 'x', kiln: recorded(log, 'k', [10, 30, 20]), baseline: recorded(log, 'b', [40, 40, 40]) }, 3, 'higher');
    expect(log).toEqual(['k', 'b', 'b', 'k', 'k', 'b']);
    expect([r.kiln.median, r.baseline.median, r.advantage]).toEqual([20, 40, 0.5]);
    expect(r.extra).toBeUndefined();
  });

  it('measures a further side in the same rounds, with Kiln advantage over it oriented by `better`', async () => {
    const log: string[] = [];
    const r = await runCase(
      { label: 'x', kiln: recorded(log, 'k', [10, 10]), baseline: recorded(log, 'b', [5, 5]), extra: recorded(log, 'e', [20, 20]) },
      2,
      'lower',
    );
    expect(log).toEqual(['k', 'b', 'e', 'e', 'b', 'k']);
    expect(r.advantage).toBe(0.5);
    expect(r.extra).toEqual({ name: 'e', summary: expect.objectContaining({ median: 20 }), advantage: 2 });
  });

  it('passes a missing further side through with what it needs', async () => {
    const log: string[] = [];
    const r = await runCase({ label: 'x', kiln: recorded(log, 'k', [1]), baseline: recorded(log, 'b', [1]), extra: { name: 'e', missing: 'needs E' } }, 1, 'higher');
    expect(log).toEqual(['k', 'b']);
    expect(r.extra).toEqual({ name: 'e', missing: 'needs E' });
  });
});
