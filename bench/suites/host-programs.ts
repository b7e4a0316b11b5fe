/**
 * Dynamic host programs (wrk, node) for a KVM batch: the test machine has a
 * libc but not these programs' libraries, so each goes in with every shared
 * library it loads and the host's own dynamic loader, and runs through that
 * loader with only those libraries, whatever the machine has.
 */
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { promisify } from 'node:util';

/** The programs, their shared libraries and the loader, one file per base name (batches copy files by base name). */
export async function hostProgramFiles(programs: string[]): Promise<string[]> {
  const byName = new Map<string, string>();
  for (const program of programs) {
    byName.set(basename(program), program);
    const { stdout } = await promisify(execFile)('ldd', [program]);
    for (const m of stdout.matchAll(/(?:=> )?(\/\S+\.so[.\d]*) \(0x/g)) byName.set(basename(m[1]!), m[1]!);
  }
  return [...byName.values()];
}

/** How a batch case starts a program that hostProgramFiles brought in. */
export const viaLoader = (program: string): string => `./ld-linux-x86-64.so.2 --library-path . ./${basename(program)}`;
