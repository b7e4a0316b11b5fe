// Whether an architecture's C compiler (the one that makes static binaries
// for its emulated machine, and cross-builds its images) is installed.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { ARCHES, type VmArch } from './arch.ts';

/** Null when the architecture's C compiler is there, otherwise the reason to skip. */
export async function compilerMissing(arch: VmArch): Promise<string | null> {
  const { cc } = ARCHES[arch];
  try {
    await promisify(execFile)(cc, ['--version']);
    return null;
  } catch {
    return `needs ${cc} (${arch === 'aarch64' ? 'apt-get install gcc-aarch64-linux-gnu' : 'apt-get install gcc'})`;
  }
}
