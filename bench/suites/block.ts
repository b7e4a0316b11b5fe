/**
 * The seeds' block benchmark: 100,000 reads of one 512-byte sector at
 * consecutive offsets (wrapping) from a 4 MiB file, all in the same machine.
 *
 * Kiln: a TypeScript image (blkread-app.ts) awaiting each read through the
 * Block device under kiln-hvt. Baseline: a host `pread` loop over the same
 * file (platform-solo5/bench/pread_loop.c). A second case puts
 * platform-solo5's C reader (bench/blkread.c) against the same loop, so the
 * report shows what the tender costs and what the TypeScript side adds.
 * Further comparison, where KILN_UPSTREAM_SOLO5 names a Solo5 build: the
 * same C reader under upstream solo5-hvt, in the same rounds.
 * Quick mode does 2,000 reads per sample. Reported per read.
 */
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';
import { buildPlatform } from '../../test/platform/build.ts';
import type { Benchmark } from '../benchmark.ts';
import { benchImage } from './build.ts';
import { alternate, field, KvmBatch, kvmMissing, kvmWhere, platformFile, TENDER } from './kvm-batch.ts';
import { UPSTREAM_NAME, upstreamFiles, upstreamHvt, upstreamSide } from './upstream.ts';

/** A reader's command line, given the tender's and the read count. */
const onBlock = (tender: string, image: string, reads: number): string => `${tender} --mem=16 --block:storage=bench.img ${image} --count=${reads}`;
const NAMES = {
  kiln: 'TypeScript image',
  c: 'C image (platform-solo5 blkread)',
  pread: 'host pread loop',
  upstream: `C image under ${UPSTREAM_NAME}`,
} as const;
type ReaderKey = keyof typeof NAMES;

const microsecondsPerRead = (output: string): number => field(output, 'elapsed_ns') / field(output, 'reads') / 1e3;

export const blockBenchmark: Benchmark = {
  name: 'block',
  title: `Reads of 512-byte sectors from a 4 MiB file (${await kvmWhere()})`,
  unit: 'µs/read',
  better: 'lower',
  missing: kvmMissing,
  async cases(mode) {
    const [tsImage, upstream] = await Promise.all([benchImage(join(repoRoot, 'bench', 'suites', 'blkread-app.ts'), 'blkread-ts.hvt'), upstreamHvt(), buildPlatform()]);
    const reads = mode.quick ? 2000 : 100_000;
    const run: Partial<Record<ReaderKey, string>> = {
      kiln: onBlock('./kiln-hvt', 'blkread-ts.hvt', reads),
      c: onBlock('./kiln-hvt', 'blkread.hvt', reads),
      pread: `./pread-loop bench.img ${reads} 512`,
      ...('run' in upstream && { upstream: onBlock(upstream.run, 'blkread.hvt', reads) }),
    };
    const order = Object.keys(run) as ReaderKey[];
    const batch = new KvmBatch(
      {
        name: 'block',
        files: [TENDER, tsImage, platformFile('platform-bench/blkread.hvt'), platformFile('platform-bench/pread-loop'), ...upstreamFiles(upstream)],
        setup: [{ name: 'block.file', run: 'dd if=/dev/urandom of=bench.img bs=1024 count=4096 2>/dev/null' }],
        round: (r) => alternate(r, ...order).map((k) => ({ name: `block.${k}.${r}`, run: run[k]! })),
        timeoutMs: 6 * 60 * 60_000,
      },
      mode,
    );
    // A side hands out each round's sample once: every case gets sides of its own.
    const side = (k: ReaderKey) => batch.side(NAMES[k], (r) => `block.${k}.${r}`, microsecondsPerRead);
    const extra = () => upstreamSide(upstream, NAMES.upstream, () => side('upstream'));
    return [
      { label: `${reads} reads, TypeScript image`, kiln: side('kiln'), baseline: side('pread'), extra: extra() },
      { label: `${reads} reads, C image`, kiln: side('c'), baseline: side('pread'), extra: extra() },
    ];
  },
};
