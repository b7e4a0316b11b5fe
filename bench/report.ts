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
  /** The case's further comparison (BenchCase.extra): measured, with Kiln's advantage over it, or what it needs. */
  extra?: { name: string; summary: Summary; advantage: number } | { name: string; missing: string };
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

/** A horizontal bar per comparison (each case's baseline, then its extra side if measured): Kiln's advantage, with the parity line at 1. */
export function ratioChart(result: BenchmarkResult): string {
  const bars = result.cases.flatMap((c) => [
    { label: c.label, advantage: c.advantage },
    ...(c.extra && 'advantage' in c.extra ? [{ label: `${c.label}, vs ${c.extra.name}`, advantage: c.extra.advantage }] : []),
  ]);
  const rowH = 28;
  // Room for the longest label at about 6.5 px a character of 12 px sans-serif.
  const left = Math.max(200, Math.ceil(16 + 6.5 * Math.max(...bars.map((b) => b.label.length))));
  const width = left + 440;
  const plotW = width - left - 60;
  const maxRatio = Math.max(2, ...bars.map((b) => b.advantage));
  const x = (r: number): number => left + (Math.min(r, maxRatio) / maxRatio) * plotW;
  const height = 40 + rowH * bars.length;
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const rows = bars.map((b, i) => {
    const y = 30 + i * rowH;
    const colour = b.advantage >= 1 ? '#2e7d32' : '#c62828';
    return (
      `<text x="${left - 8}" y="${y + 14}" text-anchor="end" font-size="12">${esc(b.label)}</text>` +
      `<rect x="${left}" y="${y}" width="${x(b.advantage) - left}" height="${rowH - 8}" fill="${colour}"/>` +
      `<text x="${x(b.advantage) + 4}" y="${y + 14}" font-size="12">${fmt(b.advantage)}x</text>`
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
    ...(run.benchmarks.some((b) => b.cases.some((c) => c.extra)) ? ['A further comparison, where a case has one, ran in the same rounds; its advantage is Kiln over it.'] : []),
    '',
  ];
  for (const b of run.benchmarks) {
    lines.push(`## ${b.title} (\`${b.name}\`)`, '');
    if (b.skipped || b.failed) {
      lines.push(b.skipped ? `skipped: ${b.skipped}` : `FAILED: ${b.failed}`, '');
      continue;
    }
    const withExtra = b.cases.some((c) => c.extra);
    const cell = (name: string, s: Summary): string => `${name}: ${fmt(s.median)} ±${(s.relativeIqr * 100).toFixed(0)}%`;
    const extraCells = (c: CaseResult): string =>
      !withExtra ? '' : !c.extra ? ' | |' : 'missing' in c.extra ? ` ${c.extra.name}: skipped: ${c.extra.missing} | |` : ` ${cell(c.extra.name, c.extra.summary)} | ${fmt(c.extra.advantage)}x |`;
    lines.push(
      `| case | Kiln (${b.unit}) | baseline (${b.unit}) | advantage |${withExtra ? ` further comparison (${b.unit}) | advantage over it |` : ''}`,
      `|---|---|---|---|${withExtra ? '---|---|' : ''}`,
    );
    for (const c of b.cases) lines.push(`| ${c.label} | ${cell(c.kilnName, c.kiln)} | ${cell(c.baselineName, c.baseline)} | ${fmt(c.advantage)}x |${extraCells(c)}`);
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
