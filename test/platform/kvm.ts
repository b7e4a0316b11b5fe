// Runs a batch of shell commands where a real /dev/kvm exists: on this host
// when it has one (and we are root, for taps and namespaces), otherwise
// inside the emulated Linux machine of test/harness (nested KVM under QEMU).
// Each case's output and exit status come back separately.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, constants, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { VmError, runInVm, vmAvailable } from '../harness/vm.ts';

export interface KvmCase {
  name: string;
  /** sh commands, run in the directory holding the files. */
  run: string;
}

export interface KvmCaseResult {
  output: string;
  status: number;
}

export type KvmPlace = { where: 'host' | 'vm' } | { skip: string };

async function hostHasKvm(): Promise<boolean> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

let place: Promise<KvmPlace> | undefined;

/** Where KVM tests can run, or why they cannot (for a loud skip). */
export function kvmPlace(): Promise<KvmPlace> {
  place ??= (async (): Promise<KvmPlace> => {
    if (await hostHasKvm()) return { where: 'host' };
    const reason = await vmAvailable('x86_64');
    if (reason === null) return { where: 'vm' };
    return { skip: `needs /dev/kvm (absent on this host) or the x86_64 test VM (${reason})` };
  })();
  return place;
}

function script(cases: KvmCase[], marker: string): string {
  return cases
    .map(
      (c) =>
        `echo "${marker} begin ${c.name}"\n( ${c.run}\n) 2>&1\necho "${marker} end ${c.name} $?"\n`,
    )
    .join('');
}

function split(output: string, cases: KvmCase[], marker: string): Map<string, KvmCaseResult> {
  const results = new Map<string, KvmCaseResult>();
  for (const c of cases) {
    const begin = output.indexOf(`${marker} begin ${c.name}\n`);
    const endRe = new RegExp(`${marker} end ${c.name} (\\d+)\\n`);
    const end = endRe.exec(output.slice(begin));
    if (begin < 0 || !end) throw new Error(`case ${c.name} did not complete; output:\n${output}`);
    const body = output.slice(begin + `${marker} begin ${c.name}\n`.length, begin + end.index);
    results.set(c.name, { output: body, status: Number(end[1]) });
  }
  return results;
}

async function runOnHost(files: string[], text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-kvm-'));
  try {
    for (const f of files) await copyFile(f, join(dir, basename(f)));
    return await new Promise<string>((resolvePromise, reject) => {
      const child = spawn('sh', ['-c', text], { cwd: dir });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolvePromise(out));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs every case in one go (one VM boot for all of them), with the files
 * copied into the working directory under their base names.
 */
export async function runKvmCases(
  files: string[],
  cases: KvmCase[],
  timeoutMs = 10 * 60_000,
): Promise<Map<string, KvmCaseResult>> {
  const where = await kvmPlace();
  if ('skip' in where) throw new Error(where.skip);
  const marker = `KILN-CASE-${randomBytes(4).toString('hex')}`;
  const text = script(cases, marker);
  let output: string;
  if (where.where === 'host') {
    output = await runOnHost(files, text);
  } else {
    const guestFiles: Record<string, string> = {};
    for (const f of files) guestFiles[`/root/${basename(f)}`] = f;
    const run = () => runInVm({ arch: 'x86_64', files: guestFiles, script: `cd /root\n${text}`, timeoutMs });
    try {
      output = (await run()).output;
    } catch (error) {
      // A machine that died before running anything says nothing about the
      // code under test (seen rarely when the host is overloaded): once more.
      if (!(error instanceof VmError) || !/before the script started/.test(error.message)) throw error;
      console.warn(`test VM did not start the script; retrying once: ${error.message.split('\n')[0]}`);
      output = (await run()).output;
    }
  }
  return split(output, cases, marker);
}
