// Runs a TypeScript entry module of Kiln's Node-side tooling (the kiln
// command, the benchmarks): compiles it with esbuild into build/node (a few
// tens of milliseconds), imports it and calls its exported main(argv), so the
// tooling needs no separate build step and no TypeScript loader.
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { basename, dirname, join } from 'node:path';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));

export async function runTs(entry, argv) {
  const outfile = join(repo, 'build', 'node', `${basename(dirname(entry))}-${basename(entry, '.ts')}.mjs`);
  const result = await build({
    entryPoints: [entry],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'error',
  });
  // Write then rename, so that kiln commands started at the same moment
  // never import a half-written file.
  mkdirSync(dirname(outfile), { recursive: true });
  const temporary = `${outfile}.${process.pid}.tmp`;
  writeFileSync(temporary, result.outputFiles[0].contents);
  renameSync(temporary, outfile);
  const { main } = await import(pathToFileURL(outfile).href);
  process.exitCode = await main(argv);
}

export const repoRoot = repo;
