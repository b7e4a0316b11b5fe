#!/usr/bin/env node
// The `kiln` command. The CLI is TypeScript; this launcher compiles it with
// esbuild into build/cli (a few tens of milliseconds) and runs it, so the
// package needs no separate build step and no TypeScript loader.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const outfile = join(repo, 'build', 'cli', 'kiln.mjs');
await build({
  entryPoints: [join(repo, 'cli', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'error',
});
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main(process.argv.slice(2));
