// Named shell cases where a real /dev/kvm exists, for either architecture:
// on this host when it has one for that architecture (and we are root, for
// taps and namespaces), otherwise inside the emulated machine of machine/vm.ts. A
// boot costs seconds, so a test file runs all its cases in one go and gets
// each case's output and exit status back on its own.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { ARCHES } from '../../machine/arch.ts';
import { existsSync } from 'node:fs';
import { HOST_ARCH, hostKvmProblem } from '../../machine/host.ts';
import { VmError, runInVm, vmAvailable, type VmArch, type VmRunResult } from '../../machine/vm.ts';

export interface KvmCase {
  /** Unique within the batch; letters, digits, '.', '_', '-'. */
  name: string;
  /** sh commands, run in their own subshell in the directory holding the files, stderr merged into stdout. */
  run: string;
}

export interface KvmCaseResult {
  /** Exactly what the case printed. */
  output: string;
  status: number;
}

export type KvmPlace = { where: 'host' | 'vm' } | { skip: string };

const CASE_NAME = /^[A-Za-z0-9._-]+$/;
const DEFAULT_TIMEOUT_MS = 12 * 60_000;

/** Cases run on this host only for its own architecture, as root (taps, namespaces), where /dev/kvm runs kiln-hvt's guests. */
async function hostHasKvm(arch: VmArch): Promise<boolean> {
  if (HOST_ARCH !== arch || process.getuid?.() !== 0) return false;
  const problem = await hostKvmProblem();
  if (problem !== null && existsSync('/dev/kvm')) console.warn(`NOTE: ${problem}: image tests run in the emulated ${arch} machine`);
  return problem === null;
}

const places = new Map<VmArch, Promise<KvmPlace>>();

/** Where KVM cases for arch can run, or why they cannot (for a loud skip). */
export function kvmPlace(arch: VmArch = 'x86_64'): Promise<KvmPlace> {
  let place = places.get(arch);
  if (!place) {
    place = (async (): Promise<KvmPlace> => {
      if (await hostHasKvm(arch)) return { where: 'host' };
      const reason = await vmAvailable(arch);
      if (reason === null) return { where: 'vm' };
      return { skip: `needs /dev/kvm for ${arch} on this host (as root) or the emulated ${arch} machine (${reason})` };
    })();
    places.set(arch, place);
  }
  return place;
}

/**
 * The architectures the image tests run for: both, or those KILN_TEST_ARCH
 * names (comma-separated), e.g. KILN_TEST_ARCH=aarch64 for one machine only.
 */
export function testArches(): VmArch[] {
  const all = Object.keys(ARCHES) as VmArch[];
  const wanted = process.env.KILN_TEST_ARCH?.split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (!wanted?.length) return all;
  for (const a of wanted) if (!(all as string[]).includes(a)) throw new Error(`KILN_TEST_ARCH: unknown architecture '${a}' (expected ${all.join(', ')})`);
  return wanted as VmArch[];
}

/**
 * Null when KVM cases for arch can run and nothing else is `missing` (a
 * reason the caller found, e.g. a compiler), else the reason, announced
 * with a loud SKIPPED line naming `what`.
 */
export async function kvmSkip(arch: VmArch, what: string, missing: string | null = null): Promise<string | null> {
  let reason = missing;
  if (reason === null) {
    const place = await kvmPlace(arch);
    if ('skip' in place) reason = place.skip;
  }
  if (reason !== null) console.warn(`SKIPPED: ${arch}: ${what}: ${reason}`);
  return reason;
}

/**
 * Runs every case in order in one go (one machine boot for all of them),
 * with `files` copied into the working directory under their base names.
 * Rejects when KVM is not available for arch (check kvmPlace first and
 * skip loudly), and with VmError when a case never finished.
 */
export async function runKvmCases(
  files: string[],
  cases: KvmCase[],
  timeoutMs = DEFAULT_TIMEOUT_MS,
  arch: VmArch = 'x86_64',
): Promise<Map<string, KvmCaseResult>> {
  const place = await kvmPlace(arch);
  if ('skip' in place) throw new Error(place.skip);
  const tag = `KILN-CASE-${randomBytes(6).toString('hex')}`;
  const script = casesScript(cases, tag);
  if (place.where === 'host') return splitCaseOutput(await runOnHost(files, script), cases, tag);
  const guestFiles = Object.fromEntries(files.map((f) => [`/root/${basename(f)}`, f]));
  const run = () => runInVm({ arch, files: guestFiles, script: `cd /root\n${script}`, timeoutMs });
  let result: VmRunResult;
  try {
    result = await run();
  } catch (error) {
    // A machine that died before running anything says nothing about the
    // code under test (seen rarely when the host is overloaded): once more.
    if (!(error instanceof VmError) || !/before the script started/.test(error.message)) throw error;
    console.warn(`${arch} test machine did not start the script; retrying once: ${error.message.split('\n')[0]}`);
    result = await run();
  }
  try {
    return splitCaseOutput(result.output, cases, tag);
  } catch (error) {
    throw new VmError((error as Error).message, result.console);
  }
}

/** The named case's result; throws when there is none (a typo, or a case dropped from the batch). */
export function caseResult(results: Map<string, KvmCaseResult>, name: string): KvmCaseResult {
  const found = results.get(name);
  if (!found) throw new Error(`no result for case ${name}`);
  return found;
}

async function runOnHost(files: string[], script: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-kvm-'));
  try {
    for (const f of files) await copyFile(f, join(dir, basename(f)));
    return await new Promise<string>((resolvePromise, reject) => {
      const child = spawn('sh', ['-c', script], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** The shell script that runs the cases, each framed by lines carrying `tag`. */
export function casesScript(cases: KvmCase[], tag: string): string {
  const names = new Set<string>();
  for (const { name } of cases) {
    if (!CASE_NAME.test(name)) throw new Error(`case name '${name}' must match ${CASE_NAME}`);
    if (names.has(name)) throw new Error(`case name '${name}' is used twice`);
    names.add(name);
  }
  const empty = cases.find((c) => c.run.trim() === '');
  if (empty) throw new Error(`case ${empty.name} has no commands`);
  // The bare `echo` ends a last line the case left open; splitting removes it again.
  return cases.map((c) => `echo "${tag} begin ${c.name}"\n( ${c.run}\n) 2>&1\nstatus=$?\necho\necho "${tag} end ${c.name} $status"\n`).join('');
}

/** Cuts the output of casesScript(cases, tag) into each case's output and status. */
export function splitCaseOutput(output: string, cases: KvmCase[], tag: string): Map<string, KvmCaseResult> {
  const results = new Map<string, KvmCaseResult>();
  let from = 0;
  for (const { name } of cases) {
    const begin = `${tag} begin ${name}\n`;
    const beginAt = output.indexOf(begin, from);
    const endMarker = `\n${tag} end ${name} `;
    // From the begin line's own newline, so that an empty output is found too.
    const endAt = beginAt < 0 ? -1 : output.indexOf(endMarker, beginAt + begin.length - 1);
    const status = endAt < 0 ? null : /^(\d+)\n/.exec(output.slice(endAt + endMarker.length));
    if (!status) throw new Error(`case ${name} did not finish; the script's output:\n${output}`);
    const start = beginAt + begin.length;
    results.set(name, { output: output.slice(start, Math.max(start, endAt)), status: Number(status[1]) });
    from = endAt + endMarker.length;
  }
  return results;
}
