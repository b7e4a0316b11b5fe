// examples/pipeline as an hvt image under kiln-hvt with real KVM, for each
// architecture (on this host if it has /dev/kvm for it, else in that
// architecture's emulated machine, one boot for both cases; skipped loudly
// when neither exists). The parent forks and streams 1 GiB through a pipe;
// the child checks the count and CRC-32 and exits with a status the parent
// checks. The machines emulate their CPU, where JavaScript is slow, yet the
// whole 1 GiB fits: no JavaScript runs per byte (the stream is windows onto
// a pattern, the CRC is the runtime's C). The test prints the rates the two
// sides report, and checks the CRC against zlib's for the same stream.

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildImage } from '../../cli/image.ts';
import { expectedCrc } from '../../examples/pipeline/expected-crc.ts';
import { caseResult, kvmSkip, runKvmCases, testArches, type KvmCase, type KvmCaseResult } from '../harness/cases.ts';
import { imageToolsMissing } from '../harness/compiler.ts';
import { buildPlatform, outDir, tender } from '../platform/build.ts';

const ROOT = join(import.meta.dirname, '../..');
const PIPELINE_BYTES = 1 << 30;

// Bounded, so a hung image fails its case instead of the whole machine run.
const cases: KvmCase[] = [
  { name: 'pipeline', run: `timeout 1200 ./kiln-hvt --mem=64 pipeline.hvt --bytes=${PIPELINE_BYTES}` },
  { name: 'pipeline-odd', run: 'timeout 600 ./kiln-hvt --mem=32 pipeline.hvt --bytes=100003 --chunk=4099' },
];

for (const arch of testArches()) {
  const skip = await kvmSkip(arch, 'examples/pipeline as an hvt image', await imageToolsMissing(arch));
  let results: Map<string, KvmCaseResult>;
  const result = (name: string): KvmCaseResult => caseResult(results, name);

  describe.skipIf(skip !== null)(`${arch}: examples/pipeline as an hvt image (real KVM)`, () => {
    beforeAll(async () => {
      await buildPlatform(arch);
      const pipeline = join(outDir(arch), 'test-apps', 'pipeline.hvt');
      await buildImage(join(ROOT, 'examples', 'pipeline', 'app.ts'), arch, pipeline);
      results = await runKvmCases([tender(arch), pipeline], cases, 30 * 60_000, arch);
    }, 40 * 60_000);

    it('streams 1 GiB: the child verifies count and CRC-32, EOF and EPIPE show', () => {
      const out = result('pipeline').output;
      const rates = out.split('\n').filter((l) => l.includes('MiB/s'));
      console.log(`examples/pipeline, ${PIPELINE_BYTES} bytes in the ${arch} test machine:\n${rates.join('\n')}`);
      const crc = expectedCrc(PIPELINE_BYTES);
      expect(out).toMatch(new RegExp(`child: end of file after ${PIPELINE_BYTES} bytes \\([\\d.]+ MiB/s.*\\), CRC-32 ${crc}, expected ${crc}\n`));
      expect(out).toContain(`pipeline: ${PIPELINE_BYTES} bytes, CRC-32 ${crc}, verified by the child`);
      expect(out).toContain('parent: report pipe at end of file (the child closed its write end)');
      expect(out).toContain('parent: write after the child exited failed with EPIPE (no read end open anywhere), as expected');
      expect(result('pipeline').status).toBe(0);
    });

    it('streams a size that is not a multiple of the write size', () => {
      expect(result('pipeline-odd').output).toContain(`pipeline: 100003 bytes, CRC-32 ${expectedCrc(100003, 4099)}, verified by the child`);
      expect(result('pipeline-odd').status).toBe(0);
    });
  });
}
