/**
 * Stack traces that name the TypeScript sources. QuickJS 2021-03-27 records
 * a line per frame and no column (`    at start (hello.js:812)`, the line
 * being the bundle's), so the build turns the bundle's source map into a
 * compact table from bundle lines to source lines, embeds it in the image,
 * and the image rewrites its own stack traces with it, under any tender.
 *
 * The table is runs of consecutive bundle lines that map to consecutive
 * lines of one source file. Each run is four integers, delta coded so that
 * most are small, in the base64 VLQ of source maps (one character for -15
 * to 15): bundle lines skipped since the previous run's end, source index
 * and first source line minus the previous run's, length.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Integers in base64 VLQ: 5 bits a character, low bits first, 32 means more follow; the sign is the lowest bit. */
export function encodeVlq(numbers: number[]): string {
  let out = '';
  for (const n of numbers) {
    let v = n < 0 ? -n * 2 + 1 : n * 2;
    do {
      const digit = v % 32;
      v = Math.floor(v / 32);
      out += BASE64[v > 0 ? digit + 32 : digit];
    } while (v > 0);
  }
  return out;
}

export function decodeVlq(text: string): number[] {
  const numbers: number[] = [];
  let value = 0;
  let scale = 1;
  for (const ch of text) {
    const digit = BASE64.indexOf(ch);
    if (digit < 0) throw new Error(`VLQ: bad character '${ch}'`);
    value += (digit & 31) * scale;
    if (digit & 32) {
      scale *= 32;
      continue;
    }
    numbers.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    scale = 1;
  }
  return numbers;
}

export interface SourceLineTable {
  /** The bundle's name in stack frames (what `kiln-qjsc --name` was given). */
  file: string;
  /** Source file names as frames should show them. */
  sources: string[];
  runs: string;
}

/** Where one bundle line came from. */
export interface SourceLine {
  source: number;
  line: number;
}

/** Builds the table from `lines[i]`: where bundle line `i + 1` came from, or null. */
export function encodeSourceLines(file: string, sources: string[], lines: (SourceLine | null)[]): SourceLineTable {
  const out: number[] = [];
  let previousEnd = 1;
  let previousSource = 0;
  let previousSourceLine = 0;
  for (let i = 0; i < lines.length; ) {
    const first = lines[i];
    if (!first) {
      i++;
      continue;
    }
    let length = 1;
    for (;;) {
      const next = lines[i + length];
      if (!next || next.source !== first.source || next.line !== first.line + length) break;
      length++;
    }
    const bundleLine = i + 1;
    out.push(bundleLine - previousEnd, first.source - previousSource, first.line - previousSourceLine, length);
    previousEnd = bundleLine + length;
    previousSource = first.source;
    previousSourceLine = first.line;
    i += length;
  }
  return { file, sources, runs: encodeVlq(out) };
}

interface Run {
  bundleLine: number;
  source: number;
  sourceLine: number;
  length: number;
}

function decodeRuns(table: SourceLineTable): Run[] {
  const numbers = decodeVlq(table.runs);
  const runs: Run[] = [];
  let previousEnd = 1;
  let source = 0;
  let sourceLine = 0;
  for (let i = 0; i + 3 < numbers.length; i += 4) {
    const bundleLine = previousEnd + numbers[i]!;
    source += numbers[i + 1]!;
    sourceLine += numbers[i + 2]!;
    runs.push({ bundleLine, source, sourceLine, length: numbers[i + 3]! });
    previousEnd = bundleLine + numbers[i + 3]!;
  }
  return runs;
}

/** Looks bundle lines up in a table (decoded once, on first use). */
export function sourceLineLookup(table: SourceLineTable): (bundleLine: number) => string | null {
  let runs: Run[] | null = null;
  return (bundleLine) => {
    runs ??= decodeRuns(table);
    let lo = 0;
    let hi = runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const run = runs[mid]!;
      if (bundleLine < run.bundleLine) hi = mid - 1;
      else if (bundleLine >= run.bundleLine + run.length) lo = mid + 1;
      else return `${table.sources[run.source]}:${run.sourceLine + bundleLine - run.bundleLine}`;
    }
    return null;
  };
}

/**
 * Rewrites the frames of a QuickJS stack trace that point into the bundle
 * (`(hello.js:812)`) to the source lines they came from; other frames, and
 * bundle lines the table does not cover, stay as they are. Never throws: a
 * table it cannot read leaves the trace as it was, so the error being
 * reported is not lost to a second one.
 */
export function stackFormatter(table: SourceLineTable): (stack: string) => string {
  const lookup = sourceLineLookup(table);
  const escaped = table.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`\\(${escaped}:(\\d+)\\)`, 'g');
  return (stack) => {
    try {
      return stack.replace(frame, (whole, line: string) => {
        const source = lookup(Number(line));
        return source === null ? whole : `(${source})`;
      });
    } catch {
      return stack;
    }
  };
}
