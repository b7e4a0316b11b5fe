/**
 * Builds JavaScript into hosted Kiln images (the runtime as a Linux process,
 * runtime/hosted/) and runs them, for the runtime's tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WORK = join(ROOT, 'build/runtime-test');
const QJSC = join(ROOT, 'build/host/kiln-qjsc');
const MFT = join(ROOT, 'build/x86_64/kiln-mft');

/** Why hosted images cannot be built here, or null when they can. */
export function hostedUnavailable(): string | null {
  if (process.arch !== 'x64' || process.platform !== 'linux') return 'needs Linux on x86_64';
  if (!existsSync('/usr/lib/x86_64-linux-musl/libc.a')) return 'needs musl-dev (apt-get install musl-dev)';
  return null;
}

/**
 * Builds the compiler, the runtime libraries and the hosted platform, under
 * the lock link-image.sh takes too (test files run in parallel).
 */
export function buildRuntime(): void {
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  const lock = join(ROOT, 'build/.kiln-build.lock');
  const make = (...args: string[]) =>
    execFileSync('flock', [lock, 'make', '-s', '-j2', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  make('-C', join(ROOT, 'runtime'), 'all');
  make('-C', join(ROOT, 'platform-solo5'), MFT);
}

export interface CompileResult {
  status: number;
  stderr: string;
  bytecode: string;
}

export interface BuildOptions {
  /** A script (esbuild --format=iife) rather than a module. */
  script?: boolean;
  /** Manifest entries, NAME:TYPE as kiln-mft takes them. */
  devices?: string[];
  target?: 'hosted' | 'hvt';
  /** A folder of its own under build/runtime-test, so test files running in
   * parallel never share a file name. */
  dir?: string;
}

/** Compiles (name).js with kiln-qjsc; does not throw on compile errors. */
export function compile(name: string, source: string, opts: BuildOptions = {}): CompileResult {
  const work = join(WORK, opts.dir ?? '.');
  mkdirSync(work, { recursive: true });
  const js = join(work, `${name}.js`);
  const bytecode = join(work, `${name}.qbc`);
  writeFileSync(js, source);
  const args = [...(opts.script ? ['--script'] : []), '--name', `${name}.js`, '-o', bytecode, js];
  const r = spawnSync(QJSC, args, { encoding: 'utf8' });
  return { status: r.status ?? -1, stderr: r.stderr, bytecode };
}

/** Compiles and links (name).js into a hosted image; returns its path. */
export function build(name: string, source: string, opts: BuildOptions = {}): string {
  const c = compile(name, source, opts);
  if (c.status !== 0) throw new Error(`kiln-qjsc failed for ${name}:\n${c.stderr}`);
  const work = join(WORK, opts.dir ?? '.');
  const manifest = join(work, `${name}.manifest.c`);
  execFileSync(MFT, ['-o', manifest, ...(opts.devices ?? [])]);
  const target = opts.target ?? 'hosted';
  const image = join(work, `${name}.${target}`);
  execFileSync(
    join(ROOT, 'runtime/link-image.sh'),
    ['--target', target, '--manifest', manifest, '-o', image, c.bytecode],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return image;
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a hosted image with the given options and arguments. */
export function run(image: string, args: string[] = [], timeoutMs = 20_000): RunResult {
  const r = spawnSync(image, args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
