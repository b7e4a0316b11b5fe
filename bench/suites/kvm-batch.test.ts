// KvmBatch's bookkeeping, with the VM replaced by a runner that reports each
// case's position in its batch: which round's output each sample comes from, one batch per
// `rounds` samples, set-up before rounds and tear-down after, failures.
import { describe, expect, it } from 'vitest';
import type { KvmCase, KvmCaseResult } from '../../test/platform/kvm.ts';
import { alternate, field, KvmBatch, type BatchPlan } from './kvm-batch.ts';

function recordingRunner(fail: (name: string) => boolean = () => false) {
  const batches: string[][] = [];
  const run = async (_files: string[], cases: KvmCase[]): Promise<Map<string, KvmCaseResult>> => {
    batches.push(cases.map((c) => c.name));
    return new Map(cases.map((c, i) => [c.name, { output: `case=${i}`, status: fail(c.name) ? 1 : 0 }]));
  };
  return { batches, run };
}

const plan: BatchPlan = {
  files: [],
  setup: [{ name: 'up', run: 'true' }],
  round: (r) => alternate(r, 'a', 'b').map((side) => ({ name: `${side}.${r}`, run: 'true' })),
  teardown: [{ name: 'down', run: 'true' }],
  timeoutMs: 1000,
};

/** Where the sample's case stood in its batch. */
const position = (output: string): number => field(output, 'case');

describe('KvmBatch', () => {
  it('runs all rounds in one batch, alternating sides, set-up first and tear-down last', async () => {
    const runner = recordingRunner();
    const batch = new KvmBatch(plan, 3, runner.run);
    const a = batch.side('A', (r) => `a.${r}`, position);
    const b = batch.side('B', (r) => `b.${r}`, position);
    const samples = [await a.measure(), await b.measure(), await b.measure(), await a.measure(), await a.measure(), await b.measure()];
    expect(runner.batches).toEqual([['up', 'a.0', 'b.0', 'b.1', 'a.1', 'a.2', 'b.2', 'down']]);
    expect(samples).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('runs another batch when asked for more rounds than one held', async () => {
    const runner = recordingRunner();
    const batch = new KvmBatch(plan, 2, runner.run);
    const a = batch.side('A', (r) => `a.${r}`, position);
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push(await a.measure());
    // Each batch is up, a.0, b.0, b.1, a.1, down.
    expect(samples).toEqual([1, 4, 1, 4, 1]);
    expect(runner.batches.length).toBe(3);
  });

  it('fails a sample whose case or set-up failed, naming it', async () => {
    const failingRound = new KvmBatch(plan, 2, recordingRunner((n) => n === 'b.1').run);
    const b = failingRound.side('B', (r) => `b.${r}`, position);
    expect(await b.measure()).toBe(2);
    await expect(b.measure()).rejects.toThrow(/b\.1 failed \(status 1\)/);
    const failingSetup = new KvmBatch(plan, 2, recordingRunner((n) => n === 'up').run);
    await expect(failingSetup.side('A', (r) => `a.${r}`, position).measure()).rejects.toThrow(/up failed/);
  });
});

describe('field', () => {
  it('reads key=N from a probe line, and names what is missing', () => {
    expect(field('sent=10 received=9 lost=1 elapsed_ns=123', 'received')).toBe(9);
    expect(field('reads=5 elapsed_ns=77', 'elapsed_ns')).toBe(77);
    expect(() => field('reads=5', 'elapsed_ns')).toThrow(/no elapsed_ns=/);
  });
});
