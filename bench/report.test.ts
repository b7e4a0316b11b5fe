// The report's markdown, charts and files from a made-up run: cases with a
// further comparison measured, one missing, and benchmarks skipped and failed.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownReport, ratioChart, writeReport, type BenchmarkResult, type RunResult } from './report.ts';
import { summarize } from './stats.ts';

const block: BenchmarkResult = {
  name: 'block',
  title: 'Block reads',
  unit: 'µs/read',
  better: 'lower',
  cases: [
    {
      label: 'C image',
      kilnName: 'kiln-hvt',
      baselineName: 'pread',
      kiln: summarize([50, 52, 48]),
      baseline: summarize([5, 5, 5]),
      advantage: 0.1,
      extra: { name: 'solo5-hvt', summary: summarize([40, 40, 40]), advantage: 0.8 },
    },
    {
      label: 'TypeScript image',
      kilnName: 'ts image',
      baselineName: 'pread',
      kiln: summarize([200, 200, 200]),
      baseline: summarize([5, 5, 5]),
      advantage: 0.025,
      extra: { name: 'solo5-hvt', missing: 'needs KILN_UPSTREAM_SOLO5 (path to an upstream solo5-hvt build)' },
    },
  ],
};

const run: RunResult = {
  machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 4, kernel: '6.1', node: 'v20', kvm: false, date: '2026-11-27T00:00:00.000Z' },
  mode: 'quick',
  benchmarks: [
    block,
    { name: 'fork', title: 'Fork', unit: 'ms', better: 'lower', skipped: 'needs /dev/kvm', cases: [] },
    { name: 'pipe', title: 'Pipe', unit: 'MB/s', better: 'higher', failed: 'the machine died', cases: [] },
  ],
};

describe('markdownReport', () => {
  const md = markdownReport(run);

  it('gives every case its medians, spreads and advantage, and the further comparison or what it needs', () => {
    expect(md).toContain('quick run on 2026-11-27: Test CPU, 2 cores, 4 GiB, Linux 6.1, Node v20, /dev/kvm absent.');
    expect(md).toContain('| case | Kiln (µs/read) | baseline (µs/read) | advantage | further comparison (µs/read) | advantage over it |');
    expect(md).toContain('| C image | kiln-hvt: 50.00 ±4% | pread: 5.00 ±0% | 0.100x | solo5-hvt: 40.00 ±0% | 0.800x |');
    expect(md).toContain('| TypeScript image | ts image: 200 ±0% | pread: 5.00 ±0% | 0.0250x | solo5-hvt: skipped: needs KILN_UPSTREAM_SOLO5 (path to an upstream solo5-hvt build) | |');
    expect(md).toContain('![block](block.svg)');
  });

  it('says which benchmarks were skipped or failed, and why', () => {
    expect(md).toContain('skipped: needs /dev/kvm');
    expect(md).toContain('FAILED: the machine died');
  });

  it('has no further-comparison columns where no case has one', () => {
    const plain = markdownReport({ ...run, benchmarks: [{ ...block, cases: block.cases.map(({ extra: _, ...c }) => c) }] });
    expect(plain).toContain('| case | Kiln (µs/read) | baseline (µs/read) | advantage |\n|---|---|---|---|\n');
    expect(plain).not.toContain('further comparison');
  });
});

describe('ratioChart', () => {
  it('draws a bar per comparison measured, the missing one left out, with room for the labels', () => {
    const svg = ratioChart(block);
    expect(svg.match(/<rect /g)).toHaveLength(3);
    expect(svg).toContain('>C image, vs solo5-hvt</text>');
    expect(svg).not.toContain('TypeScript image, vs');
    expect(svg).toMatch(/^<svg [^>]*width="640"/);
  });
});

describe('writeReport', () => {
  it('writes the JSON, the markdown and a chart per benchmark that has figures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-report-'));
    try {
      writeReport(dir, run);
      expect(readdirSync(dir).sort()).toEqual(['block.svg', 'latest.json', 'latest.md']);
      expect(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'))).toEqual(run);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
