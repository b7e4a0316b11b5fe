/**
 * Type-checking an app before it is built or run: esbuild only strips types,
 * so without this step `const port: number = 'eighty'` builds and fails at
 * run time. The check uses the app project's own TypeScript and tsconfig
 * (Kiln's when the app has none), covers the app file and what it imports,
 * and is incremental: its build info is kept between runs.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from './paths.ts';
import { UsageError } from './usage-error.ts';

/** Declarations of the globals every Kiln target gives app code. */
const IMAGE_GLOBALS = join(repoRoot, 'types', 'globals.d.ts');

/** The nearest tsconfig.json at or above `dir`, or Kiln's own. */
function nearestTsconfig(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(d) === d) return join(repoRoot, 'tsconfig.json');
  }
}

/**
 * The @types folders TypeScript would search from `configDir` (and Kiln's
 * own): the generated config lives elsewhere, and TypeScript looks for type
 * packages from where the config it was given lives.
 */
function typeRoots(configDir: string): string[] {
  const roots: string[] = [];
  for (let d = configDir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', '@types');
    if (existsSync(candidate)) roots.push(candidate);
    if (dirname(d) === d) break;
  }
  const kiln = join(repoRoot, 'node_modules', '@types');
  if (!roots.includes(kiln) && existsSync(kiln)) roots.push(kiln);
  return roots;
}

/** The `tsc` of the app's project, else Kiln's own; null when neither has TypeScript. */
function findTsc(appFile: string): string | null {
  for (const from of [appFile, join(repoRoot, 'package.json')]) {
    try {
      const pkgPath = createRequire(from).resolve('typescript/package.json');
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin?: string | Record<string, string> };
      const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.tsc;
      if (bin) return join(dirname(pkgPath), bin);
    } catch {
      // not installed there: try the next place
    }
  }
  return null;
}

/** tsc's `file(line,col): error TSnnnn: text` as `file:line:col: text`; other lines as they are. */
export function formatTscOutput(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const m = /^(.+)\((\d+),(\d+)\): error TS\d+: (.*)$/.exec(line);
      if (!m) return line;
      // TypeScript suggests @types/node; the real answer is that images have no such global.
      const text = m[4]!.replace(/\. Do you need to install type definitions for node\?.*$/, ': a Node.js global, which images do not have (use the devices and globals Kiln gives apps)');
      return `${m[1]}:${m[2]}:${m[3]}: ${text}`;
    });
}

/**
 * The declaration files (`.d.ts`) a tsconfig lists in `files`, as absolute
 * paths, from tsc's own reading of it (`--showConfig`: comments, `extends`).
 * The generated config replaces `files`, so these are carried over.
 */
function declarationFiles(tsc: string, tsconfig: string): string[] {
  const shown = spawnSync(process.execPath, [tsc, '-p', tsconfig, '--showConfig'], { encoding: 'utf8', cwd: dirname(tsconfig) });
  if (shown.status !== 0) return [];
  const files = (JSON.parse(shown.stdout) as { files?: string[] }).files ?? [];
  return files.filter((file) => file.endsWith('.d.ts')).map((file) => resolve(dirname(tsconfig), file));
}

/**
 * Which globals the app is checked against: `image`, what an image has (a
 * Node-only global is an error, as it would be in the image); `project`,
 * whatever the app's tsconfig brings (for unix-only apps that use Node).
 */
export type CheckedGlobals = 'image' | 'project';

/**
 * Checks `appFile` and its imports. Throws a UsageError (exit status 2)
 * listing every error as `file:line:col: message`.
 */
export function typecheckApp(command: string, appFile: string, globals: CheckedGlobals = 'image'): void {
  const tsc = findTsc(appFile);
  if (!tsc) {
    console.error(`kiln ${command}: note: no TypeScript installed for ${relative(process.cwd(), appFile)}; not type-checked (npm install -D typescript)`);
    return;
  }
  // Kiln's own declarations are part of the key: build info kept from before
  // they changed (a Kiln upgrade) once went on reporting errors they no longer had.
  const key = createHash('sha256').update(appFile).update(readFileSync(IMAGE_GLOBALS)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'kiln-typecheck', key);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'tsconfig.json');
  const base = nearestTsconfig(dirname(appFile));
  const compilerOptions = { noEmit: true, incremental: true, tsBuildInfoFile: join(dir, `${globals}.tsbuildinfo`) };
  writeFileSync(
    config,
    JSON.stringify(
      globals === 'image'
        ? { extends: base, compilerOptions: { ...compilerOptions, types: [] }, files: [appFile, IMAGE_GLOBALS], include: [] }
        : {
            extends: base,
            compilerOptions: { ...compilerOptions, typeRoots: typeRoots(dirname(base)) },
            files: [appFile, ...declarationFiles(tsc, base)],
            include: [],
          },
    ),
  );
  const result = spawnSync(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status === 0) return;
  const lines = formatTscOutput(`${result.stdout}${result.stderr}`);
  const errors = lines.filter((line) => /^\S.*:\d+:\d+: /.test(line)).length;
  throw new UsageError(
    `${lines.join('\n')}\nkiln ${command}: ${errors || 'some'} type error${errors === 1 ? '' : 's'} in ${relative(process.cwd(), appFile)} (fix them, or skip the check with --no-check)`,
  );
}
