// Builds platform-solo5 once per test process and architecture, and names
// what it produced.

import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import type { VmArch } from '../../machine/vm.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
/** build/ARCH, where platform-solo5 and the image builder put their output. */
export const outDir = (arch: VmArch): string => join(ROOT, 'build', arch);
export const tender = (arch: VmArch): string => join(outDir(arch), 'kiln-hvt');
/** A C test image of platform-solo5/tests. */
export const image = (name: string, arch: VmArch = 'x86_64'): string => join(outDir(arch), 'tests', `${name}.hvt`);
export const OUT = outDir('x86_64');
export const TENDER = tender('x86_64');
export const MFT_TOOL = join(OUT, 'kiln-mft');
/** One host unit test per C file in platform-solo5/tests/unit. */
export const UNIT_TESTS = readdirSync(join(ROOT, 'platform-solo5/tests/unit'))
  .filter((f) => f.endsWith('.c'))
  .map((f) => join(OUT, 'unit', f.slice(0, -2)));

/**
 * `make -s -j2 -C DIR ARGS...` (DIR: platform-solo5 or runtime; at most two
 * jobs: the machine is shared) under the lock the image builder takes, so
 * test files building at once do not write the same files.
 */
export async function lockedMake(dir: 'platform-solo5' | 'runtime', ...args: string[]): Promise<void> {
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  await promisify(execFile)('flock', [join(ROOT, 'build/.kiln-build.lock'), 'make', '-s', '-j2', '-C', join(ROOT, dir), ...args], {
    maxBuffer: 16 << 20,
  });
}

const built = new Map<VmArch, Promise<void>>();

/** `make -C platform-solo5 ARCH=arch`: the tender, the C test images, the unit tests. */
export function buildPlatform(arch: VmArch = 'x86_64'): Promise<void> {
  let done = built.get(arch);
  if (!done) {
    done = lockedMake('platform-solo5', `ARCH=${arch}`);
    built.set(arch, done);
  }
  return done;
}
