/**
 * The seeds' question ("unikernel system calls are function calls"), for
 * the key-value store: random gets of 100-byte values through lib/kv in a
 * TypeScript image under kiln-hvt (from the store's value cache, which
 * holds every value the image just wrote; and with the cache off, each a
 * BLOCK_READ hypercall of one sector), against a Linux process doing a `pread` of 512 bytes per read
 * (at consecutive offsets) on the host file (platform-solo5/bench/pread_loop.c), in the same
 * machine. Without /dev/kvm both run inside the emulated machine, where an
 * exit to the tender costs 50-400 µs: the ratio says more than the figures.
 */
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';
import { buildPlatform } from '../../test/platform/build.ts';
import type { Benchmark } from '../benchmark.ts';
import { benchImage } from './build.ts';
import { alternate, field, KvmBatch, kvmMissing, kvmWhere, platformFile, TENDER } from './kvm-batch.ts';

const microsecondsPerRead = (output: string): number => field(output, 'elapsed_ns') / field(output, 'reads') / 1e3;

export const kvImageBenchmark: Benchmark = {
  name: 'kv-image',
  title: `Random gets of 100-byte values: Kiln kv in an image vs a host pread loop (${await kvmWhere()})`,
  unit: 'µs/get',
  better: 'lower',
  missing: kvmMissing,
  async cases(mode) {
    const [image] = await Promise.all([benchImage(join(repoRoot, 'bench', 'suites', 'kvget-app.ts'), 'kvget.hvt'), buildPlatform()]);
    const keys = mode.quick ? 2_000 : 10_000;
    const gets = mode.quick ? 2_000 : 100_000;
    const kiln = `./kiln-hvt --mem=64 --block:storage=kv.img kvget.hvt --keys=${keys} --count=${gets}`;
    const run = {
      kiln,
      // The store's value cache off: every get a BLOCK_READ hypercall and a CRC, as before the cache.
      uncached: `${kiln} --cache-bytes=0`,
      pread: `./pread-loop kv.img ${gets} 512`,
    };
    const batch = new KvmBatch(
      {
        name: 'kv-image',
        files: [TENDER, image, platformFile('platform-bench/pread-loop')],
        setup: [{ name: 'kv-image.file', run: 'dd if=/dev/zero of=kv.img bs=1048576 count=16 2>/dev/null' }],
        round: (r) => alternate(r, 'kiln', 'uncached', 'pread').map((k) => ({ name: `kv-image.${k}.${r}`, run: run[k as keyof typeof run] })),
        timeoutMs: 2 * 60 * 60_000,
      },
      mode,
    );
    return [
      {
        label: `${gets} gets of ${keys} keys`,
        kiln: batch.side('kv get in a TypeScript image', (r) => `kv-image.kiln.${r}`, microsecondsPerRead),
        baseline: batch.side('host pread loop, 512 B', (r) => `kv-image.pread.${r}`, microsecondsPerRead),
      },
      {
        label: `${gets} gets of ${keys} keys, value cache off (a hypercall a get)`,
        kiln: batch.side('kv get in a TypeScript image, cacheBytes 0', (r) => `kv-image.uncached.${r}`, microsecondsPerRead),
        baseline: batch.side('host pread loop, 512 B', (r) => `kv-image.pread.${r}`, microsecondsPerRead),
      },
    ];
  },
};
