// Whether the tools that build for an architecture are installed: its C
// compiler (static binaries for its emulated machine, the C test images)
// and, for images with the runtime, musl's libc.a.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

import { ARCHES, type VmArch } from '../../machine/arch.ts';

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

/** Null when images with the runtime can be built for arch (compiler and musl's libc.a), otherwise the reason to skip. */
export async function imageToolsMissing(arch: VmArch): Promise<string | null> {
  const missing = await compilerMissing(arch);
  if (missing) return missing;
  const musl = `/usr/lib/${arch}-linux-musl/libc.a`;
  return existsSync(musl) ? null : `needs ${musl} (apt-get install musl-dev${arch === 'aarch64' ? ':arm64' : ''}, or npm run setup)`;
}
