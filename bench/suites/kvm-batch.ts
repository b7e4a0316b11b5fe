/**
 * Benchmarks of images run where test/harness/cases.ts finds KVM: this host,
 * or the nested x86_64 test VM, which takes 10-25 s to boot. So every image
 * suite of a run shares ONE boot: each suite's batch (its set-up, rounds and
 * tear-down) joins the run's SharedBoot while the suites are prepared, and
 * the first sample any suite asks for boots the machine once for all of
 * them. In a batch the script alternates the two sides (A B, then B A)
 * round by round, and each side's `measure()` hands out the next round's
 * sample from the batch's output. Should the harness ask for more rounds
 * than a batch held, the next batch runs (in a boot of its own).
 *
 * Inside the VM every figure carries the emulation's cost: there only the
 * ratios mean anything.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tenderPath } from '../../cli/image.ts';
import { repoRoot } from '../../cli/paths.ts';
import { kvmPlace, runKvmCases, type KvmCase, type KvmCaseResult } from '../../test/harness/cases.ts';
import type { Mode, Side } from '../benchmark.ts';
// The suites' scripts alternate their sides as runCase does.
export { alternate } from '../run-case.ts';

export const TENDER = tenderPath('x86_64');

/**
 * A file `make -C platform-solo5` builds (buildPlatform in
 * test/platform/build.ts): C test images (`tests/hello.hvt`) and the
 * platform's benchmark probes (`platform-bench/echo-flood`).
 */
export const platformFile = (path: string): string => join(repoRoot, 'build', 'x86_64', path);

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
  /** The suite's name, for the run's timing lines (`icmp`). */
  name: string;
  /** Files copied into the working directory (tender, images, probes), under their base names. */
  files: string[];
  /** Run once before the rounds (namespaces, disk files, servers). */
  setup?: KvmCase[];
  /** The cases of one round; `round` alternates who goes first. */
  round(round: number): KvmCase[];
  /** Run once after the rounds. */
  teardown?: KvmCase[];
  /** How long the batch may take in full mode (quick mode allows QUICK_BATCH_MS). */
  timeoutMs: number;
}

/** Quick batches take well under a minute each, even on a loaded host: one taking this long has hung. */
export const QUICK_BATCH_MS = 5 * 60_000;

export type CaseRunner = (files: string[], cases: KvmCase[], timeoutMs: number) => Promise<Map<string, KvmCaseResult>>;

interface Queued {
  name: string;
  files: string[];
  cases: KvmCase[];
  timeoutMs: number;
  resolve(results: Map<string, KvmCaseResult>): void;
  reject(error: unknown): void;
}

/** sh: the machine's uptime in seconds, for the time each batch took inside it. */
const UPTIME = "cut -d' ' -f1 /proc/uptime";

/**
 * One boot of the machine for the batches of many suites. Batches queue
 * while the suites are prepared; flush() runs all queued ones in one go, in
 * name order (so the order does not depend on which build finished first),
 * with every file under its base name once, and prints the time each batch
 * took in the machine and what the boot around them cost.
 */
export class SharedBoot {
  private queued: Queued[] = [];

  constructor(private readonly runCases: CaseRunner = runKvmCases) {}

  /** Queues a batch; its results come once flush() has run it. */
  enqueue(name: string, files: string[], cases: KvmCase[], timeoutMs: number): Promise<Map<string, KvmCaseResult>> {
    const results = new Promise<Map<string, KvmCaseResult>>((resolve, reject) => this.queued.push({ name, files, cases, timeoutMs, resolve, reject }));
    // A boot that fails rejects every batch in it, also those nobody awaits yet: not an unhandled rejection.
    results.catch(() => {});
    return results;
  }

  /** Boots once for every batch queued so far (nothing when none is). */
  flush(): void {
    const batches = this.queued.sort((a, b) => a.name.localeCompare(b.name));
    this.queued = [];
    if (batches.length > 0) void this.boot(batches);
  }

  private async boot(batches: Queued[]): Promise<void> {
    try {
      const files = filesByBaseName(batches.flatMap((b) => b.files));
      const clock = (i: number): KvmCase => ({ name: `shared-boot.clock.${i}`, run: UPTIME });
      const cases = [clock(0), ...batches.flatMap((b, i) => [...b.cases, clock(i + 1)])];
      const names = new Set<string>();
      for (const c of cases) {
        if (names.has(c.name)) throw new Error(`shared boot: two cases named ${c.name}`);
        names.add(c.name);
      }
      const start = performance.now();
      const results = await this.runCases(files, cases, batches.reduce((sum, b) => sum + b.timeoutMs, 0));
      const wallS = (performance.now() - start) / 1000;
      const at = (i: number): number => Number(results.get(clock(i).name)?.output.trim());
      const parts = batches.map((b, i) => ({ name: b.name, s: at(i + 1) - at(i) }));
      const inside = parts.reduce((sum, p) => sum + p.s, 0);
      console.log(
        `bench: one machine for ${batches.map((b) => b.name).join(', ')}: ${wallS.toFixed(0)} s; ` +
          `${parts.map((p) => `${p.name} ${p.s.toFixed(1)} s`).join(', ')}; files, boot and power-off ${(wallS - inside).toFixed(1)} s`,
      );
      for (const b of batches) b.resolve(results);
    } catch (error) {
      for (const b of batches) b.reject(error);
    }
  }
}

/** The files of many batches, each once; two different files under one base name would overwrite each other in the machine. */
export function filesByBaseName(files: string[]): string[] {
  const byName = new Map<string, string>();
  for (const f of files) {
    const other = byName.get(basename(f));
    if (other !== undefined && other !== f) throw new Error(`shared boot: ${other} and ${f} would both be ${basename(f)} in the machine`);
    byName.set(basename(f), f);
  }
  return [...byName.values()];
}

/** The boot every image suite of this run shares. */
export const sharedBoot = new SharedBoot();

export class KvmBatch {
  private readonly batches: Promise<Map<string, KvmCaseResult>>[] = [];

  private readonly rounds: number;
  private readonly timeoutMs: number;

  /** Joins `boot` at once, so that the first sample of any suite runs this batch with the others. */
  constructor(
    private readonly plan: BatchPlan,
    mode: Mode,
    private readonly boot: SharedBoot = sharedBoot,
  ) {
    this.rounds = mode.rounds;
    this.timeoutMs = mode.quick ? QUICK_BATCH_MS : plan.timeoutMs;
    this.enqueue();
  }

  private enqueue(): void {
    const cases = [
      ...(this.plan.setup ?? []),
      ...Array.from({ length: this.rounds }, (_, r) => this.plan.round(r)).flat(),
      ...(this.plan.teardown ?? []),
    ];
    this.batches.push(this.boot.enqueue(this.plan.name, this.plan.files, cases, this.timeoutMs));
  }

  private async result(name: (round: number) => string, sample: number): Promise<KvmCaseResult> {
    const index = Math.floor(sample / this.rounds);
    while (this.batches.length <= index) this.enqueue();
    this.boot.flush();
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
