/**
 * Pipe throughput between a parent and a child unikernel under kiln-hvt
 * (Kiln's pipe device), against a Linux pipe between two processes, same
 * run, same write and read size (64 KiB): platform-solo5/bench/pipethru.c
 * and pipe_linux.c. The goal: at least 1.0x.
 */
import type { Benchmark } from '../benchmark.ts';
import { buildPlatform } from '../../test/platform/build.ts';
import { alternate, field, KvmBatch, kvmMissing, kvmWhere, platformFile, TENDER } from './kvm-batch.ts';

const CHUNK = 65536;
const run = {
  kiln: (mb: number) => `./kiln-hvt --mem=64 pipethru.hvt --mb=${mb} --chunk=${CHUNK}`,
  linux: (mb: number) => `./pipe-linux ${mb} ${CHUNK}`,
};

export const pipeBenchmark: Benchmark = {
  name: 'pipe',
  title: `Pipe throughput, parent to child, ${CHUNK / 1024} KiB writes: unikernels on kiln-hvt vs Linux processes (${await kvmWhere()})`,
  unit: 'MB/s',
  better: 'higher',
  missing: kvmMissing,
  async cases(mode) {
    await buildPlatform();
    const mb = mode.quick ? 16 : 256;
    const batch = new KvmBatch(
      {
        name: 'pipe',
        files: [TENDER, platformFile('platform-bench/pipethru.hvt'), platformFile('platform-bench/pipe-linux')],
        round: (r) => alternate(r, 'kiln', 'linux').map((k) => ({ name: `pipe.${k}.${r}`, run: run[k as keyof typeof run](mb) })),
        timeoutMs: 60 * 60_000,
      },
      mode,
    );
    const mbPerSecond = (output: string): number => field(output, 'bytes') / 1e6 / (field(output, 'elapsed_ns') / 1e9);
    return [
      {
        label: `${mb} MiB`,
        kiln: batch.side('kiln-hvt pipe device', (r) => `pipe.kiln.${r}`, mbPerSecond),
        baseline: batch.side('Linux pipe', (r) => `pipe.linux.${r}`, mbPerSecond),
      },
    ];
  },
};
