// KvmBatch's and SharedBoot's bookkeeping, with the machine replaced by a
// runner that reports each case's position in its boot: which round's output
// each sample comes from, one batch per `rounds` samples, set-up before
// rounds and tear-down after, many suites' batches in one boot, failures.
import { describe, expect, it, vi } from 'vitest';
import type { KvmCase, KvmCaseResult } from '../../test/harness/cases.ts';
import type { Mode } from '../benchmark.ts';
import { alternate, field, filesByBaseName, KvmBatch, QUICK_BATCH_MS, SharedBoot, type BatchPlan } from './kvm-batch.ts';

/** A stand-in for the machine: records each boot's files and cases (without SharedBoot's clock cases, whose uptime is their position plus 0.5 s). */
function recordingRunner(fail: (name: string) => boolean = () => false) {
  const boots: { files: string[]; cases: string[]; timeoutMs: number }[] = [];
  const run = async (files: string[], cases: KvmCase[], timeoutMs: number): Promise<Map<string, KvmCaseResult>> => {
    const named = cases.filter((c) => !c.name.startsWith('shared-boot.clock.'));
    boots.push({ files, cases: named.map((c) => c.name), timeoutMs });
    return new Map(cases.map((c, i) => [c.name, { output: c.name.startsWith('shared-boot.clock.') ? `${i}.5` : `case=${named.indexOf(c)}`, status: fail(c.name) ? 1 : 0 }]));
  };
  return { boots, run };
}

const planOf = (name: string, files: string[] = []): BatchPlan => ({
  name,
  files,
  setup: [{ name: `${name}.up`, run: 'true' }],
  round: (r) => alternate(r, 'a', 'b').map((side) => ({ name: `${name}.${side}.${r}`, run: 'true' })),
  teardown: [{ name: `${name}.down`, run: 'true' }],
  timeoutMs: 1000,
});

const full = (rounds: number): Mode => ({ quick: false, rounds });

/** Where the sample's case stood in its boot. */
const position = (output: string): number => field(output, 'case');

describe('KvmBatch', () => {
  it('runs all rounds in one batch, alternating sides, set-up first and tear-down last', async () => {
    const runner = recordingRunner();
    const batch = new KvmBatch(planOf('s'), full(3), new SharedBoot(runner.run));
    const a = batch.side('A', (r) => `s.a.${r}`, position);
    const b = batch.side('B', (r) => `s.b.${r}`, position);
    const samples = [await a.measure(), await b.measure(), await b.measure(), await a.measure(), await a.measure(), await b.measure()];
    expect(runner.boots.map((boot) => boot.cases)).toEqual([['s.up', 's.a.0', 's.b.0', 's.b.1', 's.a.1', 's.a.2', 's.b.2', 's.down']]);
    expect(samples).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('runs another batch when asked for more rounds than one held', async () => {
    const runner = recordingRunner();
    const batch = new KvmBatch(planOf('s'), full(2), new SharedBoot(runner.run));
    const a = batch.side('A', (r) => `s.a.${r}`, position);
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push(await a.measure());
    // Each batch is up, a.0, b.0, b.1, a.1, down.
    expect(samples).toEqual([1, 4, 1, 4, 1]);
    expect(runner.boots.length).toBe(3);
  });

  it('fails a sample whose case or set-up failed, naming it', async () => {
    const failingRound = new KvmBatch(planOf('s'), full(2), new SharedBoot(recordingRunner((n) => n === 's.b.1').run));
    const b = failingRound.side('B', (r) => `s.b.${r}`, position);
    expect(await b.measure()).toBe(2);
    await expect(b.measure()).rejects.toThrow(/s\.b\.1 failed \(status 1\)/);
    const failingSetup = new KvmBatch(planOf('s'), full(2), new SharedBoot(recordingRunner((n) => n === 's.up').run));
    await expect(failingSetup.side('A', (r) => `s.a.${r}`, position).measure()).rejects.toThrow(/s\.up failed/);
  });
});

describe('SharedBoot', () => {
  it('runs the batches of all suites in one boot, in name order, each file once', async () => {
    const runner = recordingRunner();
    const boot = new SharedBoot(runner.run);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const zeta = new KvmBatch(planOf('zeta', ['/t/kiln-hvt', '/t/z.hvt']), full(1), boot);
    const alpha = new KvmBatch(planOf('alpha', ['/t/kiln-hvt', '/t/a.hvt']), full(1), boot);
    const z = await zeta.side('A', (r) => `zeta.a.${r}`, position).measure();
    const a = await alpha.side('A', (r) => `alpha.a.${r}`, position).measure();
    expect(runner.boots).toEqual([
      {
        files: ['/t/kiln-hvt', '/t/a.hvt', '/t/z.hvt'],
        cases: ['alpha.up', 'alpha.a.0', 'alpha.b.0', 'alpha.down', 'zeta.up', 'zeta.a.0', 'zeta.b.0', 'zeta.down'],
        timeoutMs: 2000,
      },
    ]);
    expect([a, z]).toEqual([1, 5]);
    // The stand-in machine's clock reads 0.5 s at the first clock case, 5.5 and 10.5 after each batch.
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/^bench: one machine for alpha, zeta: \d+ s; alpha 5\.0 s, zeta 5\.0 s; /));
    log.mockRestore();
  });

  it('gives the boot the sum of its batches\' time limits, each a short one in quick mode', async () => {
    const runner = recordingRunner();
    const boot = new SharedBoot(runner.run);
    const quick = new KvmBatch(planOf('quick'), { quick: true, rounds: 1 }, boot);
    new KvmBatch(planOf('other'), { quick: true, rounds: 1 }, boot);
    await quick.side('A', (r) => `quick.a.${r}`, position).measure();
    expect(runner.boots.map((b) => b.timeoutMs)).toEqual([2 * QUICK_BATCH_MS]);
  });

  it('fails every batch of a boot that failed, also those not yet asked for', async () => {
    const boot = new SharedBoot(async () => {
      throw new Error('the machine died');
    });
    const first = new KvmBatch(planOf('first'), full(1), boot);
    const second = new KvmBatch(planOf('second'), full(1), boot);
    await expect(first.side('A', (r) => `first.a.${r}`, position).measure()).rejects.toThrow(/the machine died/);
    await expect(second.side('A', (r) => `second.a.${r}`, position).measure()).rejects.toThrow(/the machine died/);
  });

  it('refuses two suites with a case of the same name', async () => {
    const boot = new SharedBoot(recordingRunner().run);
    const one = new KvmBatch(planOf('same'), full(1), boot);
    new KvmBatch(planOf('same'), full(1), boot);
    await expect(one.side('A', (r) => `same.a.${r}`, position).measure()).rejects.toThrow(/two cases named same\.up/);
  });
});

describe('filesByBaseName', () => {
  it('keeps each file once and refuses two files that would have one name in the machine', () => {
    expect(filesByBaseName(['/a/x', '/b/y', '/a/x'])).toEqual(['/a/x', '/b/y']);
    expect(() => filesByBaseName(['/a/hello.hvt', '/b/hello.hvt'])).toThrow(/\/a\/hello\.hvt and \/b\/hello\.hvt would both be hello\.hvt/);
  });
});

describe('field', () => {
  it('reads key=N from a probe line, and names what is missing', () => {
    expect(field('sent=10 received=9 lost=1 elapsed_ns=123', 'received')).toBe(9);
    expect(field('reads=5 elapsed_ns=77', 'elapsed_ns')).toBe(77);
    expect(() => field('reads=5', 'elapsed_ns')).toThrow(/no elapsed_ns=/);
  });
});
