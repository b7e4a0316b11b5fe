// A short run of each libFuzzer target of the tender (platform-solo5/fuzz,
// built with clang under AddressSanitizer and UBSan): every seed of the
// repository's corpus, regression inputs of past crashes included, then a
// few seconds of new inputs. The long run is `npm run fuzz` (FUZZ_SECONDS,
// default 600 per target).

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HOST_ARCH } from '../../machine/host.ts';
import { ROOT, lockedMake, outDir } from './build.ts';

const TARGETS = ['image', 'args', 'hypercall'];
const SECONDS = 4;

async function fuzzingMissing(): Promise<string | null> {
  if (!HOST_ARCH) return `runs on x86_64 and aarch64 hosts, not ${process.arch}`;
  try {
    await promisify(execFile)('clang', ['--version']);
    return null;
  } catch {
    return 'needs clang and its runtime (Debian clang, libclang-rt-14-dev; cli/setup.sh installs them)';
  }
}

const missing = await fuzzingMissing();
if (missing) console.warn(`SKIPPED: fuzzing the tender: ${missing}`);

describe.skipIf(missing !== null)('fuzzing kiln-hvt (libFuzzer, short run)', () => {
  let work: string;
  beforeAll(async () => {
    await lockedMake('platform-solo5', `ARCH=${HOST_ARCH!}`, 'fuzz');
    work = await mkdtemp(join(tmpdir(), 'kiln-fuzz-'));
  }, 180_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each(TARGETS)(`fuzz_%s: the seeds and ${SECONDS} s of new inputs find nothing`, async (target) => {
    const seeds = join(ROOT, 'platform-solo5/fuzz/corpus', target);
    expect((await readdir(seeds)).length).toBeGreaterThan(0);
    const fresh = join(work, target);
    await promisify(execFile)('mkdir', ['-p', fresh]);
    const run = await new Promise<{ status: number; stderr: string }>((resolve) => {
      execFile(
        join(outDir(HOST_ARCH!), 'fuzz', `fuzz_${target}`),
        [`-max_total_time=${SECONDS}`, '-close_fd_mask=3', `-artifact_prefix=${work}/crash-${target}-`, fresh, seeds],
        { maxBuffer: 64 << 20 },
        (error, _stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr }),
      );
    });
    // INITED: every seed ran; DONE: the time ran out without a finding.
    expect(run.stderr, run.stderr.slice(-4000)).toMatch(/INITED .*\n[\s\S]*DONE/);
    expect((await readdir(work)).filter((f) => f.startsWith(`crash-${target}-`))).toEqual([]);
    expect(run.status).toBe(0);
  }, 60_000);
});
