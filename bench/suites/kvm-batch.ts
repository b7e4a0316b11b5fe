/**
 * Benchmarks of images run where test/platform/kvm.ts finds KVM: this host,
 * or the nested x86_64 test VM, which takes some 15 s to boot. So a
 * benchmark's rounds run in one batch, one boot: its script alternates the
 * two sides (A B, then B A) round by round, and each side's `measure()`
 * hands out the next round's sample from the batch's output. Should the
 * harness ask for more rounds than a batch held, the next batch runs.
 *
 * Inside the VM every figure carries the emulation's cost: there only the
 * ratios mean anything.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tenderPath } from '../../cli/image.ts';
import { repoRoot } from '../../cli/paths.ts';
import { kvmPlace, runKvmCases, type KvmCase, type KvmCaseResult } from '../../test/platform/kvm.ts';
import type { Mode, Side } from '../benchmark.ts';

export const TENDER = tenderPath('x86_64');

/**
 * A file `make -C platform-solo5` builds (buildImage runs it): C test images
 * (`tests/hello.hvt`) and the platform's benchmark probes
 * (`platform-bench/echo-flood`).
 */
export const platformFile = (path: string): string => join(repoRoot, 'build', 'x86_64', path);

/** The rounds bench/run.ts will take of each side. */
export const roundsFor = (mode: Mode): number => mode.rounds;

/** What an image benchmark lacks here: musl's libc.a to link images, then a place with KVM. */
export async function kvmMissing(): Promise<string | null> {
  if (!existsSync('/usr/lib/x86_64-linux-musl/libc.a')) return 'needs musl-dev to link images (npm run setup)';
  const place = await kvmPlace();
  return 'skip' in place ? place.skip : null;
}

/** A note for titles: where the numbers come from. */
export async function kvmWhere(): Promise<string> {
  const place = await kvmPlace();
  return 'where' in place && place.where === 'vm' ? 'in the nested test VM: only ratios mean anything' : 'on this host';
}

export interface BatchPlan {
  /** Files copied into the working directory (tender, images, probes). */
  files: string[];
  /** Run once before the rounds (namespaces, disk files, servers). */
  setup?: KvmCase[];
  /** The cases of one round; `round` alternates who goes first. */
  round(round: number): KvmCase[];
  /** Run once after the rounds. */
  teardown?: KvmCase[];
  timeoutMs: number;
}

export type CaseRunner = (files: string[], cases: KvmCase[], timeoutMs: number) => Promise<Map<string, KvmCaseResult>>;

export class KvmBatch {
  private readonly batches: Promise<Map<string, KvmCaseResult>>[] = [];

  constructor(
    private readonly plan: BatchPlan,
    private readonly rounds: number,
    private readonly runCases: CaseRunner = runKvmCases,
  ) {}

  private async result(name: (round: number) => string, sample: number): Promise<KvmCaseResult> {
    const index = Math.floor(sample / this.rounds);
    while (this.batches.length <= index) {
      const cases = [
        ...(this.plan.setup ?? []),
        ...Array.from({ length: this.rounds }, (_, r) => this.plan.round(r)).flat(),
        ...(this.plan.teardown ?? []),
      ];
      this.batches.push(this.runCases(this.plan.files, cases, this.plan.timeoutMs));
    }
    const results = await this.batches[index]!;
    for (const c of this.plan.setup ?? []) {
      const r = results.get(c.name)!;
      if (r.status !== 0) throw new Error(`${c.name} failed (status ${r.status}): ${r.output}`);
    }
    const r = results.get(name(sample % this.rounds))!;
    if (r.status !== 0) throw new Error(`${name(sample % this.rounds)} failed (status ${r.status}): ${r.output}`);
    return r;
  }

  /** A side whose n-th sample is `parse` of round n's case `name(n)`. */
  side(sideName: string, name: (round: number) => string, parse: (output: string) => number): Side {
    let taken = 0;
    return { name: sideName, measure: async () => parse((await this.result(name, taken++)).output) };
  }
}

/** The number after `key=` in a probe's output line ("reads=N elapsed_ns=T"). */
export function field(output: string, key: string): number {
  const m = new RegExp(`(?:^|\\s)${key}=(\\d+)`).exec(output);
  if (!m) throw new Error(`no ${key}= in: ${output}`);
  return Number(m[1]);
}

/** Both orders of a pair, alternating by round so that neither side always goes first. */
export function alternate<T>(round: number, a: T, b: T): [T, T] {
  return round % 2 === 0 ? [a, b] : [b, a];
}
