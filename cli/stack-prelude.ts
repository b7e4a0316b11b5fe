/**
 * Build step between bundling and bytecode: reads the source map esbuild
 * wrote beside an hvt bundle, reduces it to the line table of
 * drivers/solo5/source-lines.ts, and prepends the stack-trace prelude
 * (drivers/solo5/stack-trace-prelude.ts, with the table compiled in) to the
 * bundle, so the image's stack traces name TypeScript files and lines.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { decodeVlq, encodeSourceLines, type SourceLine, type SourceLineTable } from '../drivers/solo5/source-lines.ts';
import { repoRoot } from './paths.ts';

const PRELUDE = join(repoRoot, 'drivers', 'solo5', 'stack-trace-prelude.ts');
/**
 * For each generated line, the source line of its first mapped segment
 * (QuickJS reports lines only; esbuild keeps a statement per line). Lines
 * and source lines are 1-based.
 */
export function firstSourceLines(mappings: string): (SourceLine | null)[] {
  const lines: (SourceLine | null)[] = [];
  let source = 0;
  let sourceLine = 0;
  for (const generated of mappings.split(';')) {
    let first: SourceLine | null = null;
    for (const segment of generated.split(',')) {
      if (segment === '') continue;
      const f = decodeVlq(segment);
      if (f.length < 4) continue;
      source += f[1]!;
      sourceLine += f[2]!;
      first ??= { source, line: sourceLine + 1 };
    }
    lines.push(first);
  }
  return lines;
}

/** Repository-relative where the file is inside it, else absolute. */
function displayName(path: string): string {
  const rel = relative(repoRoot, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** The line table of a bundle, from the source map esbuild wrote for it. */
export function lineTable(sourceMapFile: string, frameFile: string, linesBefore = 0): SourceLineTable {
  const map = JSON.parse(readFileSync(sourceMapFile, 'utf8')) as { sources: string[]; sourceRoot?: string; mappings: string };
  const base = resolve(dirname(sourceMapFile), map.sourceRoot ?? '');
  const sources = map.sources.map((s) => displayName(resolve(base, s)));
  const lines: (SourceLine | null)[] = [...Array<null>(linesBefore).fill(null), ...firstSourceLines(map.mappings)];
  return encodeSourceLines(frameFile, sources, lines);
}

async function preludeCode(table: SourceLineTable): Promise<string> {
  const result = await build({
    entryPoints: [PRELUDE],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2020',
    minify: true,
    define: { __KILN_SOURCE_LINES__: JSON.stringify(table) },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * Prepends the prelude to `bundleFile`. `frameFile` is the name its stack
 * frames carry (the `--name` given to kiln-qjsc).
 */
export async function prependStackPrelude(bundleFile: string, sourceMapFile: string, frameFile: string): Promise<void> {
  // esbuild's minified output is one line, so the bundle's lines move down by one.
  const prelude = await preludeCode(lineTable(sourceMapFile, frameFile, 1));
  if (prelude.split('\n').length !== 2) throw new Error('stack prelude: expected one line of minified code');
  writeFileSync(bundleFile, prelude + readFileSync(bundleFile, 'utf8'));
  // Keep the source map true to the bundle: one more generated line, unmapped.
  const map = JSON.parse(readFileSync(sourceMapFile, 'utf8')) as { mappings: string };
  writeFileSync(sourceMapFile, JSON.stringify({ ...map, mappings: `;${map.mappings}` }));
}
