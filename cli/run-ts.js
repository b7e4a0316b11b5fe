// Runs a TypeScript entry module of Kiln's Node-side tooling (the kiln
// command, the benchmarks): compiles it with esbuild into build/node (a few
// tens of milliseconds), imports it and calls its exported main(argv), so the
// tooling needs no separate build step and no TypeScript loader. An
// installed package that cannot be written to (a read-only node_modules)
// runs the copy compiled when it was packed (`prepack`), and builds what it
// must build (images, the native parts) in a cache directory instead.
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { basename, dirname, join, resolve } from 'node:path';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));

function writable(dir) {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const packageBuild = join(repo, 'build');
const packageWritable = writable(packageBuild);

/**
 * Where Kiln writes what it builds: KILN_BUILD_DIR if set, else build/ in
 * the package, else (read-only) ~/.cache/kiln/VERSION-HASH, one per
 * installed copy. Child processes (make, link-image.sh) get it through
 * KILN_BUILD_DIR.
 */
function chooseBuildRoot() {
  if (process.env.KILN_BUILD_DIR) return resolve(process.env.KILN_BUILD_DIR);
  if (packageWritable) return packageBuild;
  const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'kiln', `${version}-${createHash('sha256').update(repo).digest('hex').slice(0, 12)}`);
}

export const buildRoot = chooseBuildRoot();
process.env.KILN_BUILD_DIR = buildRoot;

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

/** The compiled entry, in the package (bare imports resolve from there). */
const compiledPath = (entry) => join(packageBuild, 'node', `${basename(dirname(entry))}-${basename(entry, '.ts')}.mjs`);

export async function runTs(entry, argv) {
  const outfile = compiledPath(entry);
  if (!packageWritable) {
    if (!existsSync(outfile)) {
      console.error(`kiln: ${repo} cannot be written to and holds no compiled ${basename(outfile)} (the package is compiled when packed: npm pack runs prepack)`);
      process.exit(2);
    }
    const { main } = await import(pathToFileURL(outfile).href);
    process.exitCode = await main(argv);
    return;
  }
  const { build } = await loadEsbuild();
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
