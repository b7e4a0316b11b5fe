/**
 * Fork latency of a unikernel with 64 MB of guest memory (48 MiB of it
 * touched) under kiln-hvt, against a Linux fork of a process with 64 MiB
 * touched, in the same machine run (platform-solo5/bench/forklat.c and
 * fork_linux.c). Two cases: from the fork call to the child running, and
 * until both run. Each sample is the median of --count forks. The issue's
 * goal: under 2 ms on this machine.
 */
import type { Benchmark } from '../benchmark.ts';
import { buildPlatform } from '../../test/platform/build.ts';
import { alternate, field, KvmBatch, kvmMissing, kvmWhere, platformFile, TENDER } from './kvm-batch.ts';

const MEM_MB = 64;
const TOUCH_MB = 48; // what fits in the heap of a 64 MB image
const run = {
  kiln: (n: number) => `./kiln-hvt --mem=${MEM_MB} forklat.hvt --count=${n} --touch-mb=${TOUCH_MB}`,
  linux: (n: number) => `./fork-linux ${MEM_MB} ${n}`,
};

export const forkBenchmark: Benchmark = {
  name: 'fork',
  title: `Fork of a ${MEM_MB} MB unikernel (kiln-hvt) vs a Linux fork of a ${MEM_MB} MB process (${await kvmWhere()})`,
  unit: 'ms',
  better: 'lower',
  missing: kvmMissing,
  async cases(mode) {
    await buildPlatform();
    const count = mode.quick ? 5 : 25;
    const batch = new KvmBatch(
      {
        name: 'fork',
        files: [TENDER, platformFile('platform-bench/forklat.hvt'), platformFile('platform-bench/fork-linux')],
        round: (r) => alternate(r, 'kiln', 'linux').map((k) => ({ name: `fork.${k}.${r}`, run: run[k as keyof typeof run](count) })),
        timeoutMs: 60 * 60_000,
      },
      mode,
    );
    const ms = (key: string) => (output: string) => field(output, key) / 1e6;
    return [
      {
        label: 'fork call to child running',
        kiln: batch.side('kiln-hvt VM fork', (r) => `fork.kiln.${r}`, ms('child_ns')),
        baseline: batch.side('Linux fork', (r) => `fork.linux.${r}`, ms('child_ns')),
      },
      {
        label: 'fork call to both running',
        kiln: batch.side('kiln-hvt VM fork', (r) => `fork.kiln.${r}`, ms('both_ns')),
        baseline: batch.side('Linux fork', (r) => `fork.linux.${r}`, ms('both_ns')),
      },
    ];
  },
};
