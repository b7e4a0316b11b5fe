/**
 * npm run bench [-- --quick] [-- --only NAME[,NAME...]] [--rounds N]
 *
 * Runs every benchmark whose parts exist, each case alternating Kiln and its
 * baseline, and writes bench/results/latest.{json,md} plus one SVG per
 * benchmark. Benchmarks that cannot run here print "skipped: needs ...".
 * All benchmarks set up first (at once), so that the image suites share one
 * boot of the test machine (suites/kvm-batch.ts); then each is measured.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchCase, Mode } from './benchmark.ts';
import { machineInfo } from './machine.ts';
import { runCase } from './run-case.ts';
import { writeReport, type CaseResult, type RunResult } from './report.ts';
import { BENCHMARKS } from './suites/index.ts';

const resultsDir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');

const seconds = (since: number): string => ((performance.now() - since) / 1000).toFixed(1);

function usage(message: string): number {
  console.error(`bench: ${message} (usage: npm run bench -- [--quick] [--only ${BENCHMARKS.map((b) => b.name).join(',')}] [--rounds N])`);
  return 2;
}

/** A benchmark ready to measure: skipped, failed while setting up, or its cases. */
type Prepared = { skipped: string } | { failed: string } | { cases: BenchCase[] };

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function prepare(bench: Benchmark, mode: Mode): Promise<Prepared> {
  try {
    const missing = await bench.missing();
    return missing ? { skipped: missing } : { cases: await bench.cases(mode) };
  } catch (err) {
    return { failed: messageOf(err) };
  }
}

/** Each case's rounds; every case is torn down, also when one fails. */
async function measure(bench: Benchmark, cases: BenchCase[], rounds: number): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  let next = 0;
  try {
    for (; next < cases.length; next++) {
      const c = cases[next]!;
      try {
        const r = await runCase(c, rounds, bench.better);
        const extra = !r.extra ? '' : 'missing' in r.extra ? `; ${r.extra.name}: skipped: ${r.extra.missing}` : `; vs ${r.extra.name} ${r.extra.summary.median.toPrecision(4)}: ${r.extra.advantage.toFixed(2)}x`;
        console.log(
          `${bench.name} ${r.label}: ${r.kilnName} ${r.kiln.median.toPrecision(4)} vs ${r.baselineName} ` +
            `${r.baseline.median.toPrecision(4)} ${bench.unit}: ${r.advantage.toFixed(2)}x${extra}`,
        );
        results.push(r);
      } finally {
        await c.teardown?.();
      }
    }
  } finally {
    for (const c of cases.slice(next + 1)) await c.teardown?.();
  }
  return results;
}

export async function main(argv: string[]): Promise<number> {
  let quick = false;
  let only: string[] | null = null;
  let rounds: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice(7);
      if (!v) return usage('--only needs a list of names');
      only = v.split(',');
      const unknown = only.filter((n) => !BENCHMARKS.some((b) => b.name === n));
      if (unknown.length) return usage(`--only: unknown benchmark ${unknown.join(', ')}`);
    } else if (a === '--rounds' || a.startsWith('--rounds=')) {
      const v = a === '--rounds' ? argv[++i] : a.slice(9);
      if (!v || !/^\d+$/.test(v) || Number(v) < 1) return usage('--rounds needs a whole number of at least 1');
      rounds = Number(v);
    } else return usage(`unknown argument ${a}`);
  }
  const mode: Mode = { quick, rounds: rounds ?? (quick ? 3 : 7) };
  const run: RunResult = { machine: machineInfo(), mode: quick ? 'quick' : 'full', benchmarks: [] };
  const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));
  // Every benchmark sets up (builds, queues its machine batch) before any
  // measures, so the image suites' batches share one boot of the machine.
  const started = performance.now();
  const prepared = await Promise.all(selected.map((b) => prepare(b, mode)));
  console.log(`bench: set up ${selected.length} benchmarks in ${seconds(started)} s`);
  let failed = 0;
  for (const [i, bench] of selected.entries()) {
    const base = { name: bench.name, title: bench.title, unit: bench.unit, better: bench.better };
    const ready = prepared[i]!;
    const fail = (message: string): void => {
      // One broken benchmark must not lose the others' figures: report it and go on.
      failed++;
      console.error(`${bench.name}: FAILED: ${message}`);
      run.benchmarks.push({ ...base, failed: message, cases: [] });
    };
    if ('skipped' in ready) {
      console.log(`${bench.name}: skipped: ${ready.skipped}`);
      run.benchmarks.push({ ...base, skipped: ready.skipped, cases: [] });
    } else if ('failed' in ready) fail(ready.failed);
    else {
      try {
        run.benchmarks.push({ ...base, cases: await measure(bench, ready.cases, mode.rounds) });
      } catch (err) {
        fail(messageOf(err));
      }
    }
  }
  console.log(`bench: ${run.mode} run of ${selected.length} benchmarks took ${seconds(started)} s`);
  writeReport(resultsDir, run);
  console.log(`bench: report in ${join('bench', 'results', 'latest.md')}`);
  return failed === 0 ? 0 : 1;
}
