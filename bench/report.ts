/** Benchmark results as JSON, a markdown report and SVG charts of the ratios. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from './machine.ts';
import type { Summary } from './stats.ts';

export interface CaseResult {
  label: string;
  kilnName: string;
  baselineName: string;
  kiln: Summary;
  baseline: Summary;
  /** Kiln's median over the baseline's, oriented so that above 1 means Kiln is better. */
  advantage: number;
}

export interface BenchmarkResult {
  name: string;
  title: string;
  unit: string;
  better: 'higher' | 'lower';
  skipped?: string;
  /** Why the benchmark broke off, when it did. */
  failed?: string;
  cases: CaseResult[];
}

export interface RunResult {
  machine: MachineInfo;
  mode: 'quick' | 'full';
  benchmarks: BenchmarkResult[];
}

const fmt = (n: number): string =>
  Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);

/** A horizontal bar per case: Kiln's advantage, with the parity line at 1. */
export function ratioChart(result: BenchmarkResult): string {
  const rowH = 28;
  const left = 200;
  const width = 640;
  const plotW = width - left - 60;
  const maxRatio = Math.max(2, ...result.cases.map((c) => c.advantage));
  const x = (r: number): number => left + (Math.min(r, maxRatio) / maxRatio) * plotW;
  const height = 40 + rowH * result.cases.length;
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const rows = result.cases.map((c, i) => {
    const y = 30 + i * rowH;
    const colour = c.advantage >= 1 ? '#2e7d32' : '#c62828';
    return (
      `<text x="${left - 8}" y="${y + 14}" text-anchor="end" font-size="12">${esc(c.label)}</text>` +
      `<rect x="${left}" y="${y}" width="${x(c.advantage) - left}" height="${rowH - 8}" fill="${colour}"/>` +
      `<text x="${x(c.advantage) + 4}" y="${y + 14}" font-size="12">${fmt(c.advantage)}x</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<text x="8" y="18" font-size="14" font-weight="bold">${esc(result.title)}: Kiln vs baseline (above 1 = Kiln better)</text>` +
    rows.join('') +
    `<line x1="${x(1)}" y1="24" x2="${x(1)}" y2="${height - 4}" stroke="#333" stroke-dasharray="4 3"/>` +
    `</svg>\n`
  );
}

export function markdownReport(run: RunResult): string {
  const m = run.machine;
  const lines = [
    `# Kiln benchmarks`,
    '',
    `${run.mode} run on ${m.date.slice(0, 10)}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, /dev/kvm ${m.kvm ? 'present' : 'absent'}.`,
    '',
    'Each case ran Kiln and its baseline alternately in the same run; figures are medians, ± the interquartile range relative to the median.',
    'Advantage is Kiln over the baseline, oriented so that above 1 means Kiln is better.',
    '',
  ];
  for (const b of run.benchmarks) {
    lines.push(`## ${b.title} (\`${b.name}\`)`, '');
    if (b.skipped || b.failed) {
      lines.push(b.skipped ? `skipped: ${b.skipped}` : `FAILED: ${b.failed}`, '');
      continue;
    }
    lines.push(`| case | Kiln (${b.unit}) | baseline (${b.unit}) | advantage |`, '|---|---|---|---|');
    for (const c of b.cases) {
      lines.push(
        `| ${c.label} | ${c.kilnName}: ${fmt(c.kiln.median)} ±${(c.kiln.relativeIqr * 100).toFixed(0)}% | ` +
          `${c.baselineName}: ${fmt(c.baseline.median)} ±${(c.baseline.relativeIqr * 100).toFixed(0)}% | ${fmt(c.advantage)}x |`,
      );
    }
    lines.push('', `![${b.name}](${b.name}.svg)`, '');
  }
  return lines.join('\n');
}

export function writeReport(dir: string, run: RunResult): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(run, null, 2) + '\n');
  writeFileSync(join(dir, 'latest.md'), markdownReport(run));
  for (const b of run.benchmarks) if (!b.skipped && !b.failed) writeFileSync(join(dir, `${b.name}.svg`), ratioChart(b));
}
