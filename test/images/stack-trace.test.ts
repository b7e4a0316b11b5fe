// Stack traces of images name the TypeScript sources: the line table
// (drivers/solo5/source-lines.ts) and the build step that embeds it
// (cli/stack-prelude.ts), on Node; and `err.stack` as app code reads it on
// the unix and process targets. apps.test.ts boots an image that throws.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bundleApp } from '../../cli/bundle.ts';
import { repoRoot } from '../../cli/paths.ts';
import { firstSourceLines, lineTable, prependStackPrelude } from '../../cli/stack-prelude.ts';
import { encodeSourceLines, sourceLineLookup, stackFormatter, type SourceLine } from '../../drivers/solo5/source-lines.ts';
import { processUnavailable } from '../process/support.ts';
import { markedLine } from './marked-line.ts';

const THROW_APP = join(import.meta.dirname, 'throw-app.ts');
const WORK = join(repoRoot, 'build', 'test', 'stack-trace');

afterAll(() => rm(WORK, { recursive: true, force: true }));

describe('the line table', () => {
  it('looks up every bundle line it was built from, runs and gaps alike', () => {
    const lines: (SourceLine | null)[] = [];
    // Runs of consecutive lines, jumps back and forth, other files, unmapped lines.
    for (let i = 0; i < 500; i++) {
      if (i % 17 === 3) lines.push(null);
      else lines.push({ source: Math.floor(i / 100) % 3, line: i % 7 === 0 ? 1000 - i : i + 1 + Math.floor(i / 10) });
    }
    const sources = ['a.ts', 'lib/b.ts', 'node_modules/c/index.js'];
    const lookup = sourceLineLookup(encodeSourceLines('app.js', sources, lines));
    lines.forEach((where, i) => expect(lookup(i + 1)).toBe(where ? `${sources[where.source]}:${where.line}` : null));
    expect(lookup(0)).toBeNull();
    expect(lookup(lines.length + 1)).toBeNull();
  });

  it('is compact: a run of consecutive lines costs a few characters', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => ({ source: 0, line: i + 5 }));
    expect(encodeSourceLines('app.js', ['a.ts'], lines).runs).toBe('AAKgxT');
  });

  it('rewrites only frames in the bundle, and lines the table covers', () => {
    const format = stackFormatter(encodeSourceLines('app.js', ['src/app.ts'], [null, { source: 0, line: 40 }]));
    const stack = '    at f (app.js:2)\n    at g (app.js:1)\n    at h (native)\n    at k (other.js:2)\n    at m (app.js:9)\n';
    expect(format(stack)).toBe('    at f (src/app.ts:40)\n    at g (app.js:1)\n    at h (native)\n    at k (other.js:2)\n    at m (app.js:9)\n');
  });

  it('leaves the trace as it is when the table cannot be read, rather than throwing', () => {
    const format = stackFormatter({ file: 'app.js', sources: ['a.ts'], runs: 'not VLQ!' });
    expect(format('    at f (app.js:2)\n')).toBe('    at f (app.js:2)\n');
  });

  it('decodes source-map mappings (VLQ, deltas carried across lines) to the first mapped segment per line', () => {
    // Line 1: segments at source 0 line 0 and line 3; line 2: empty; line 3: source 1, line 1 (delta -2).
    expect(firstSourceLines('AAAA,EAGA;;ACFA')).toEqual([{ source: 0, line: 1 }, null, { source: 1, line: 2 }]);
  });
});

describe('the stack prelude of an hvt bundle', () => {
  const bundle = join(WORK, 'bundle.mjs');
  let sourceMap: string;
  let before: string[];
  let after: string[];
  beforeAll(async () => {
    await mkdir(WORK, { recursive: true });
    sourceMap = (await bundleApp(THROW_APP, 'hvt', bundle)).sourceMap;
    before = readFileSync(bundle, 'utf8').split('\n');
    await prependStackPrelude(bundle, sourceMap, 'throw.js');
    after = readFileSync(bundle, 'utf8').split('\n');
  });

  it('adds one line in front of the bundle and keeps the source map true to it', () => {
    expect(after.slice(1)).toEqual(before);
    expect(after[0]).toContain('formatStack');
    const mapped = firstSourceLines((JSON.parse(readFileSync(sourceMap, 'utf8')) as { mappings: string }).mappings);
    expect(mapped.length).toBeLessThanOrEqual(after.length);
    expect(mapped[0]).toBeNull();
  });

  it("maps the bundle line of the app's throw to its TypeScript line", () => {
    const bundleLine = after.findIndex((l) => l.includes('failed on purpose')) + 1;
    const format = stackFormatter(lineTable(sourceMap, 'throw.js'));
    expect(format(`    at failOnPurpose (throw.js:${bundleLine})\n`)).toBe(
      `    at failOnPurpose (test/images/throw-app.ts:${markedLine(THROW_APP, 'throw')})\n`,
    );
  });
});

describe('err.stack as app code reads it', () => {
  const kiln = join(repoRoot, 'cli', 'kiln.js');
  const line = (mark: string): number => markedLine(THROW_APP, mark);
  /** The first lines of the caught error's stack, frames reduced to `name (file:line)`. */
  function caughtStack(command: string, args: string[]): string[] {
    const out = execFileSync(command, args, { encoding: 'utf8', timeout: 60_000 });
    const stack = out.slice(out.indexOf('caught stack:\n') + 'caught stack:\n'.length, out.indexOf('\ncaught stack end'));
    return stack
      .split('\n')
      .slice(0, 4)
      .map((l) => l.replace(/\(\/.*?(test\/images\/throw-app\.ts:\d+)(:\d+)?\)/, '($1)').replace('at Object.start', 'at start'));
  }
  const expected = [
    'Error: a caught call failed on purpose',
    `    at failOnPurpose (test/images/throw-app.ts:${line('throw')})`,
    `    at printCaught (test/images/throw-app.ts:${line('caught')})`,
    `    at start (test/images/throw-app.ts:${line('print-caught')})`,
  ];

  it('unix: the message line, then frames at the TypeScript lines (Node with the source map)', async () => {
    await mkdir(WORK, { recursive: true });
    const out = join(WORK, 'throw.mjs');
    execFileSync(process.execPath, [kiln, 'build', THROW_APP, '--target', 'unix', '--no-check', '-o', out]);
    expect(caughtStack(out, ['--where=caught'])).toEqual(expected);
  });

  const unavailable = processUnavailable();
  if (unavailable) console.warn(`SKIPPED: err.stack on the process target: ${unavailable}`);
  it.skipIf(unavailable !== null)('process: the same text from the runtime (runtime/src/error_stack.c)', async () => {
    await mkdir(WORK, { recursive: true });
    const out = join(WORK, 'throw.process');
    execFileSync(process.execPath, [kiln, 'build', THROW_APP, '--target', 'process', '--no-check', '-o', out]);
    expect(caughtStack(out, ['--', '--where=caught'])).toEqual(expected);
  });
});
