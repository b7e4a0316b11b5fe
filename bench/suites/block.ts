/**
 * The seeds' block benchmark: 100,000 reads of one 512-byte sector at
 * consecutive offsets (wrapping) from a 4 MiB file, all in the same machine.
 *
 * Kiln: a TypeScript image (blkread-app.ts) awaiting each read through the
 * Block device under kiln-hvt. Baseline: a host `pread` loop over the same
 * file (platform-solo5/bench/pread_loop.c). A second case puts
 * platform-solo5's C reader (bench/blkread.c) against the same loop, so the
 * report shows what the tender costs and what the TypeScript side adds.
 * Quick mode does 2,000 reads per sample. Reported per read.
 */
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';
import { buildPlatform } from '../../test/platform/build.ts';
import type { Benchmark } from '../benchmark.ts';
import { benchImage } from './build.ts';
import { field, KvmBatch, kvmMissing, kvmWhere, platformFile, TENDER } from './kvm-batch.ts';

const READERS = {
  kiln: { name: 'TypeScript image', run: (n: number) => `./kiln-hvt --mem=16 --block:storage=bench.img blkread-ts.hvt --count=${n}` },
  c: { name: 'C image (platform-solo5 blkread)', run: (n: number) => `./kiln-hvt --mem=16 --block:storage=bench.img blkread.hvt --count=${n}` },
  pread: { name: 'host pread loop', run: (n: number) => `./pread-loop bench.img ${n} 512` },
} as const;
type ReaderKey = keyof typeof READERS;

const microsecondsPerRead = (output: string): number => field(output, 'elapsed_ns') / field(output, 'reads') / 1e3;

export const blockBenchmark: Benchmark = {
  name: 'block',
  title: `Reads of 512-byte sectors from a 4 MiB file (${await kvmWhere()})`,
  unit: 'µs/read',
  better: 'lower',
  missing: kvmMissing,
  async cases(mode) {
    const [tsImage] = await Promise.all([benchImage(join(repoRoot, 'bench', 'suites', 'blkread-app.ts'), 'blkread-ts.hvt'), buildPlatform()]);
    const reads = mode.quick ? 2000 : 100_000;
    const order: ReaderKey[] = ['kiln', 'c', 'pread'];
    const batch = new KvmBatch(
      {
        name: 'block',
        files: [TENDER, tsImage, platformFile('platform-bench/blkread.hvt'), platformFile('platform-bench/pread-loop')],
        setup: [{ name: 'block.file', run: 'dd if=/dev/urandom of=bench.img bs=1024 count=4096 2>/dev/null' }],
        round: (r) => (r % 2 === 0 ? order : [...order].reverse()).map((k) => ({ name: `block.${k}.${r}`, run: READERS[k].run(reads) })),
        timeoutMs: 6 * 60 * 60_000,
      },
      mode.rounds,
    );
    const side = (k: ReaderKey) => batch.side(READERS[k].name, (r) => `block.${k}.${r}`, microsecondsPerRead);
    return [
      { label: `${reads} reads, TypeScript image`, kiln: side('kiln'), baseline: side('pread') },
      { label: `${reads} reads, C image`, kiln: side('c'), baseline: side('pread') },
    ];
  },
};
