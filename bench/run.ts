/**
 * npm run bench [-- --quick] [-- --only NAME[,NAME...]] [--rounds N]
 *
 * Runs every benchmark whose parts exist, each case alternating Kiln and its
 * baseline, and writes bench/results/latest.{json,md} plus one SVG per
 * benchmark. Benchmarks that cannot run here print "skipped: needs ...".
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchCase } from './benchmark.ts';
import { machineInfo } from './machine.ts';
import { writeReport, type BenchmarkResult, type CaseResult, type RunResult } from './report.ts';
import { summarize } from './stats.ts';
import { BENCHMARKS } from './suites/index.ts';

const resultsDir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');

function usage(message: string): number {
  console.error(`bench: ${message} (usage: npm run bench -- [--quick] [--only ${BENCHMARKS.map((b) => b.name).join(',')}] [--rounds N])`);
  return 2;
}

async function runCase(c: BenchCase, rounds: number, better: 'higher' | 'lower'): Promise<CaseResult> {
  const kiln: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which side goes first so neither always runs on a warm machine.
    if (i % 2 === 0) {
      kiln.push(await c.kiln.measure());
      baseline.push(await c.baseline.measure());
    } else {
      baseline.push(await c.baseline.measure());
      kiln.push(await c.kiln.measure());
    }
  }
  const k = summarize(kiln);
  const b = summarize(baseline);
  const advantage = better === 'higher' ? k.median / b.median : b.median / k.median;
  return { label: c.label, kilnName: c.kiln.name, baselineName: c.baseline.name, kiln: k, baseline: b, advantage };
}

async function runBenchmark(bench: Benchmark, quick: boolean, rounds: number): Promise<BenchmarkResult> {
  const base = { name: bench.name, title: bench.title, unit: bench.unit, better: bench.better };
  const missing = await bench.missing();
  if (missing) {
    console.log(`${bench.name}: skipped: ${missing}`);
    return { ...base, skipped: missing, cases: [] };
  }
  const cases: CaseResult[] = [];
  for (const c of await bench.cases({ quick, rounds })) {
    try {
      const r = await runCase(c, rounds, bench.better);
      console.log(
        `${bench.name} ${r.label}: ${r.kilnName} ${r.kiln.median.toPrecision(4)} vs ${r.baselineName} ` +
          `${r.baseline.median.toPrecision(4)} ${bench.unit}: ${r.advantage.toFixed(2)}x`,
      );
      cases.push(r);
    } finally {
      await c.teardown?.();
    }
  }
  return { ...base, cases };
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
  const run: RunResult = { machine: machineInfo(), mode: quick ? 'quick' : 'full', benchmarks: [] };
  let failed = 0;
  for (const bench of BENCHMARKS) {
    if (only && !only.includes(bench.name)) continue;
    try {
      run.benchmarks.push(await runBenchmark(bench, quick, rounds ?? (quick ? 3 : 7)));
    } catch (err) {
      // One broken benchmark must not lose the others' figures: report it and go on.
      failed++;
      const message = err instanceof Error ? err.message : String(err);
      console.error(`${bench.name}: FAILED: ${message}`);
      run.benchmarks.push({ name: bench.name, title: bench.title, unit: bench.unit, better: bench.better, failed: message, cases: [] });
    }
  }
  writeReport(resultsDir, run);
  console.log(`bench: report in ${join('bench', 'results', 'latest.md')}`);
  return failed === 0 ? 0 : 1;
}
