/**
 * One case's rounds: every side measured once a round, in order on even
 * rounds and in reverse on odd ones (A B, B A, ...) so that no side always
 * runs first on a warm machine; then medians, spreads and Kiln's advantage.
 */
import type { BenchCase } from './benchmark.ts';
import type { CaseResult } from './report.ts';
import { summarize, type Summary } from './stats.ts';

/** The sides in order on even rounds and in reverse on odd ones, so that no side always goes first (also the order of the image suites' batch scripts). */
export function alternate<T>(round: number, ...sides: T[]): T[] {
  return round % 2 === 0 ? sides : [...sides].reverse();
}

export async function runCase(c: BenchCase, rounds: number, better: 'higher' | 'lower'): Promise<CaseResult> {
  const extra = c.extra && 'measure' in c.extra ? c.extra : undefined;
  const sides = extra ? [c.kiln, c.baseline, extra] : [c.kiln, c.baseline];
  const samples = sides.map((): number[] => []);
  for (let i = 0; i < rounds; i++) {
    for (const s of alternate(i, ...sides.keys())) samples[s]!.push(await sides[s]!.measure());
  }
  const [k, b, e] = samples.map(summarize) as [Summary, Summary, Summary | undefined];
  const advantageOver = (other: Summary): number => (better === 'higher' ? k.median / other.median : other.median / k.median);
  const result: CaseResult = { label: c.label, kilnName: c.kiln.name, baselineName: c.baseline.name, kiln: k, baseline: b, advantage: advantageOver(b) };
  if (c.extra) result.extra = 'missing' in c.extra ? { name: c.extra.name, missing: c.extra.missing } : { name: c.extra.name, summary: e!, advantage: advantageOver(e!) };
  return result;
}
