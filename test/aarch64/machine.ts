// Runs named batches of shell commands in the emulated aarch64 machine of
// test/harness (Debian's arm64 kernel under qemu-system-aarch64, KVM
// inside): one boot per call, each case's output and exit status back
// separately. This host is x86_64, so there is no "run it here" path.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { runInVm, vmAvailable } from '../harness/vm.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const OUT = join(ROOT, 'build/aarch64');
export const TENDER = join(OUT, 'kiln-hvt');

export interface MachineCase {
  name: string;
  /** sh commands, run in /root, where the files are. */
  run: string;
}

export interface MachineResult {
  output: string;
  status: number;
}

/** Null when the aarch64 machine can run, else the reason (for a loud skip). */
export async function machineUnavailable(): Promise<string | null> {
  const reason = await vmAvailable('aarch64');
  return reason === null ? null : `the aarch64 test machine (${reason})`;
}

/** `make -s -j2 -C DIR ARGS...` (DIR: platform-solo5 or runtime) under the
 * lock link-image.sh takes, so test files building at once do not write
 * the same files. */
export async function lockedMake(dir: 'platform-solo5' | 'runtime', ...args: string[]): Promise<void> {
  await promisify(execFile)(
    'flock',
    [join(ROOT, 'build/.kiln-build.lock'), 'make', '-s', '-j2', '-C', join(ROOT, dir), ...args],
    { maxBuffer: 16 << 20 },
  );
}

/** Boots once, runs the cases in order with `files` copied into /root
 * under their base names, and splits the output per case. */
export async function runCases(
  files: string[],
  cases: MachineCase[],
  timeoutMs = 12 * 60_000,
): Promise<Map<string, MachineResult>> {
  const tag = `KILN-A64-${randomBytes(4).toString('hex')}`;
  const script = cases
    .map((c) => `echo "${tag} ${c.name}"\n( ${c.run}\n) 2>&1\necho "${tag} ${c.name} status $?"\n`)
    .join('');
  const guestFiles = Object.fromEntries(files.map((f) => [`/root/${basename(f)}`, f]));
  const { output } = await runInVm({ arch: 'aarch64', files: guestFiles, script: `cd /root\n${script}`, timeoutMs });
  const results = new Map<string, MachineResult>();
  for (const c of cases) {
    const head = `${tag} ${c.name}\n`;
    const from = output.indexOf(head);
    const tail = new RegExp(`${tag} ${c.name} status (\\d+)\\n`).exec(output.slice(from));
    if (from < 0 || !tail) throw new Error(`case ${c.name} did not finish; output:\n${output}`);
    results.set(c.name, { output: output.slice(from + head.length, from + tail.index), status: Number(tail[1]) });
  }
  return results;
}

/** The named case's result; throws when the case is unknown. */
export function caseResult(results: Map<string, MachineResult>, name: string): MachineResult {
  const r = results.get(name);
  if (!r) throw new Error(`no result for ${name}`);
  return r;
}
