// Runs a TypeScript entry module of Kiln's Node-side tooling (the kiln
// command, the benchmarks): compiles it with esbuild into build/node (a few
// tens of milliseconds), imports it and calls its exported main(argv), so the
// tooling needs no separate build step and no TypeScript loader.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { basename, dirname, join } from 'node:path';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));

// Bundled code would see the bundle's location in import.meta.url; give each
// module its own source file's URL, so modules can find files beside them.
const sourceLocation = {
  name: 'kiln-source-location',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8')
        .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
        .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path))),
      loader: 'ts',
    }));
  },
};

/** esbuild, or one line saying how to install it (a fresh clone has no node_modules yet). */
async function loadEsbuild() {
  try {
    return await import('esbuild');
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    console.error(`kiln: the npm packages Kiln needs are not installed: run 'npm run setup' (or 'npm ci') in ${repo}`);
    process.exit(2);
  }
}

export async function runTs(entry, argv) {
  const { build } = await loadEsbuild();
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
    plugins: [sourceLocation],
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
