// TypeScript images over kiln-hvt's fork and pipe devices, with real KVM
// (this host, or the x86_64 test machine; skipped loudly when neither):
// the Pipe and Fork contract suites inside an image against the solo5
// drivers (test/fork/contract-app.ts), and examples/pipeline as an image.
// The test machine emulates its CPU, so JavaScript there is slow: the
// contract's 64 MB case is skipped (with a SKIP line). The pipeline streams
// its full 1 GiB all the same, as no JavaScript runs per byte in it (its
// bytes are windows onto a random pool, its CRC-32 is the runtime's C), and
// the test prints the rates both sides report.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildImage } from '../../cli/image.ts';
import { TENDER, buildPlatform } from '../platform/build.ts';
import { type KvmCaseResult, kvmPlace, runKvmCases } from '../harness/cases.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'build', 'x86_64', 'test-apps');
const CONTRACT = join(OUT, 'fork-contract.hvt');
const PIPELINE = join(OUT, 'pipeline.hvt');
const SKIPPED = '64 MB arrive byte-exact';
const PIPELINE_BYTES = 1 << 30;

const place = await kvmPlace();
const skip = 'skip' in place ? place.skip : null;
if (skip) console.warn(`SKIPPED: fork and pipe apps inside hvt images: ${skip}`);

// Bounded, so a hung image fails its case instead of the whole VM run.
const cases = [
  { name: 'contracts', run: `timeout 600 ./kiln-hvt --mem=64 fork-contract.hvt --skip=${SKIPPED.split(' ').join('_')}` },
  { name: 'pipeline', run: `timeout 1200 ./kiln-hvt --mem=64 pipeline.hvt --bytes=${PIPELINE_BYTES}` },
  { name: 'pipeline-odd', run: 'timeout 600 ./kiln-hvt --mem=32 pipeline.hvt --bytes=100003 --chunk=4099' },
];

let results: Map<string, KvmCaseResult>;

describe.skipIf(skip !== null)('fork and pipe apps inside hvt images', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    await buildPlatform();
    await buildImage(join(import.meta.dirname, 'contract-app.ts'), 'x86_64', CONTRACT);
    await buildImage(join(ROOT, 'examples', 'pipeline', 'app.ts'), 'x86_64', PIPELINE);
    results = await runKvmCases([TENDER, CONTRACT, PIPELINE], cases, 30 * 60_000);
  }, 40 * 60_000);

  const result = (name: string): KvmCaseResult => {
    const r = results.get(name);
    if (!r) throw new Error(`no result for ${name}`);
    return r;
  };

  it('passes the Pipe and Fork contracts (forked scenarios included) with the solo5 drivers', () => {
    const lines = result('contracts').output.split('\n');
    expect(lines.filter((l) => l.startsWith('FAIL '))).toEqual([]);
    expect(lines).toContain(`SKIP pipe: ${SKIPPED} (--skip)`);
    for (const name of ['child marker and exit status', 'inherited pipe ends', 'nested fork', 'crashing child'])
      expect(lines).toContain(`PASS fork: ${name}`);
    expect(lines.filter((l) => l.startsWith('PASS pipe: ') && l.endsWith('(forked)')).length).toBeGreaterThan(0);
    expect(lines).toContainEqual(expect.stringMatching(/^SUMMARY passed=\d+ failed=0$/));
    expect(result('contracts').status).toBe(0);
  });

  it('runs examples/pipeline over 1 GiB: the child verifies count and CRC-32, EOF and EPIPE show', () => {
    const out = result('pipeline').output;
    const rates = out.split('\n').filter((l) => l.includes('MiB/s'));
    console.log(`examples/pipeline, ${PIPELINE_BYTES} bytes in the test machine:\n${rates.join('\n')}`);
    expect(out).toMatch(new RegExp(`child: end of file after ${PIPELINE_BYTES} bytes \\([\\d.]+ MiB/s`));
    expect(out).toMatch(new RegExp(`pipeline: ${PIPELINE_BYTES} bytes, CRC-32 0x[0-9a-f]{8}, verified by the child`));
    expect(out).toContain('parent: report pipe at end of file (the child closed its write end)');
    expect(out).toContain('parent: write after the child exited failed with EPIPE (no read end open anywhere), as expected');
    expect(result('pipeline').status).toBe(0);
  });

  it('runs examples/pipeline with a size that is not a multiple of the write size', () => {
    expect(result('pipeline-odd').output).toMatch(/pipeline: 100003 bytes, CRC-32 0x[0-9a-f]{8}, verified by the child/);
    expect(result('pipeline-odd').status).toBe(0);
  });
});
