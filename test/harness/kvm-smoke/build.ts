// Compiles kvm-smoke as a static binary for an emulated machine's architecture.

import { execFile } from 'node:child_process';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ARCHES, type VmArch } from '../../../machine/arch.ts';
import { REPO_ROOT } from '../../../machine/rootfs.ts';

const run = promisify(execFile);
const SOURCE_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Builds build/harness/<arch>/kvm-smoke and returns its path. */
export async function buildKvmSmoke(arch: VmArch): Promise<string> {
  const out = join(REPO_ROOT, 'build', 'harness', arch);
  await mkdir(out, { recursive: true });
  const binary = join(out, 'kvm-smoke');
  // Compiled under a private name and renamed: a concurrent test never runs a half-written binary.
  const partial = `${binary}.${process.pid}.tmp`;
  const sources = ['kvm-smoke.c', `${arch}.c`].map((f) => join(SOURCE_DIR, f));
  await run(ARCHES[arch].cc, ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', partial, ...sources]);
  await rename(partial, binary);
  return binary;
}
