// Named cases in one boot: a boot costs seconds, so a test file runs all
// its shell cases in one machine and gets each case's output and exit
// status back on its own.

import { randomBytes } from 'node:crypto';

import { VmError, runInVm, type VmRunOptions, type VmRunResult } from './vm.ts';

export interface VmCase {
  /** Unique within the batch; letters, digits, '.', '_', '-'. */
  name: string;
  /** sh commands, run in their own subshell in /root, stderr merged into stdout. */
  run: string;
}

export interface VmCaseResult {
  /** Exactly what the case printed. */
  output: string;
  status: number;
}

export interface VmCasesResult {
  cases: Map<string, VmCaseResult>;
  /** The whole run: bootMs, scriptMs, console for diagnosis. */
  run: VmRunResult;
}

const CASE_NAME = /^[A-Za-z0-9._-]+$/;

/** Boots once, runs the cases in order, and splits the output per case. */
export async function runCasesInVm(options: Omit<VmRunOptions, 'script'> & { cases: VmCase[] }): Promise<VmCasesResult> {
  const { cases, ...vmOptions } = options;
  const tag = `KILN-VM-CASE-${randomBytes(6).toString('hex')}`;
  const run = await runInVm({ ...vmOptions, script: casesScript(cases, tag) });
  try {
    return { cases: splitCaseOutput(run.output, cases, tag), run };
  } catch (error) {
    throw new VmError((error as Error).message, run.console);
  }
}

/** The shell script that runs the cases, each framed by lines carrying `tag`. */
export function casesScript(cases: VmCase[], tag: string): string {
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
export function splitCaseOutput(output: string, cases: VmCase[], tag: string): Map<string, VmCaseResult> {
  const results = new Map<string, VmCaseResult>();
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
