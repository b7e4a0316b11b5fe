/**
 * The package as users install it: `npm pack`, then `npm ci --offline` of
 * the tarball into a separate project (its dependencies from the local npm
 * cache, pinned by a lockfile made from Kiln's own), where an app imports
 * `kiln` and `kiln/http`, a test imports `kiln/testing`, the app type-checks
 * against `"types": ["kiln/globals"]` (a Node-only global is an error), runs
 * on Node, and `kiln build --target hvt` makes an image with the package
 * mounted read-only (what is built goes to the user's cache directory).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../cli/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'kiln-pack-'));
const project = join(work, 'project');
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

function sh(command: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, timeout: 10 * 60_000, maxBuffer: 64 << 20 });
}

const lines = (r: SpawnSyncReturns<string>) => `status ${r.status}\n${r.stdout}${r.stderr}`;

/** The project's package.json and a lockfile pinning Kiln's dependencies as Kiln's own lockfile has them (npm can then install from its cache alone). */
function writeProject(tarball: string): void {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
    bin: Record<string, string>;
    engines: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const locked = (JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> }).packages;
  const packages: Record<string, unknown> = {};
  const add = (name: string): void => {
    const key = `node_modules/${name}`;
    if (packages[key] || !locked[key]) return;
    const { dev: _dev, devOptional: _devOptional, ...entry } = locked[key] as { dev?: boolean; devOptional?: boolean; dependencies?: object; optionalDependencies?: object };
    packages[key] = entry;
    for (const dependency of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) add(dependency);
  };
  for (const dependency of Object.keys(pkg.dependencies)) add(dependency);
  const spec = `file:${tarball}`;
  const root = { name: 'packed-app', version: '1.0.0', private: true, type: 'module', dependencies: { kiln: spec } };
  writeFileSync(join(project, 'package.json'), JSON.stringify(root, null, 2));
  const kiln = { version: pkg.version, resolved: spec, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines };
  const lock = { name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages: { '': root, 'node_modules/kiln': kiln, ...packages } };
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
}

const APP = `import { defineApp, parseArgs, stack } from 'kiln';
import { KilnResponse, serveHttp } from 'kiln/http';

export default defineApp({
  name: 'packed',
  devices: { net: stack() },
  async start({ devices, args, clock, console, stopping }) {
    const { port } = parseArgs(args, { port: { type: 'int', min: 0, max: 65535, default: 8080, help: 'TCP port' } });
    const listener = await devices.net.listenTcp(port);
    const server = serveHttp(listener, (request) => new KilnResponse(\`hello from \${request.pathname}\`), { clock });
    console.info(\`packed: listening on \${listener.local.port}\`);
    await stopping;
    await server.shutdown(1000);
  },
});
`;

const TEST = `import { startTestApp } from 'kiln/testing';
import app from './app.ts';

// vitest's globals (--globals): this project has no vitest of its own.
declare const it: (name: string, fn: () => Promise<void>) => void;
declare const expect: (value: unknown) => { toBe(expected: unknown): void };

it('answers over the in-memory network', async () => {
  const running = await startTestApp(app, { args: ['--port=80'] });
  expect(await (await running.fetch('/from-test')).text()).toBe('hello from /from-test');
  expect(await running.stop()).toBe(0);
});
`;

const TSCONFIG = (files: string[]) =>
  JSON.stringify({
    compilerOptions: {
      target: 'ES2020',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2020'],
      types: ['kiln/globals'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
    },
    files,
  });

let tarballFiles: string[] = [];
let skip: string | null = null;

beforeAll(() => {
  mkdirSync(project);
  const pack = sh('npm', ['pack', '--json', '--pack-destination', work], repoRoot);
  if (pack.status !== 0) throw new Error(`npm pack failed: ${lines(pack)}`);
  const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarballFiles = packed!.files.map((f) => f.path);
  writeProject(join(work, packed!.filename));
  const install = sh('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
  if (install.status !== 0) {
    skip = `npm cannot install the tarball's dependencies offline from its cache: ${install.stderr.trim().split('\n').slice(0, 3).join(' / ')}`;
    console.warn(`SKIPPED: the installed-package tests: ${skip}`);
  }
  writeFileSync(join(project, 'app.ts'), APP);
  writeFileSync(join(project, 'app.test.ts'), TEST);
}, 5 * 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package', () => {
  it('holds what users need: sources, the compiled kiln command, types; no tests, benchmarks or test data', () => {
    for (const file of ['lib/index.ts', 'lib/http/index.ts', 'lib/testing/index.ts', 'types/globals.d.ts', 'build/node/cli-main.mjs', 'runtime/link-image.sh', 'platform-solo5/Makefile']) {
      expect(tarballFiles).toContain(file);
    }
    expect(tarballFiles.filter((f) => /\.test\.ts$|^(test|bench|examples|deploy)\/|testdata\/|platform-solo5\/(tests|fuzz)\/|runtime\/test\//.test(f))).toEqual([]);
  });

  describe('installed into a project of its own', () => {
    it('type-checks an app importing kiln and kiln/http against "types": ["kiln/globals"], where a Node-only global is an error', (ctx) => {
      if (skip) return ctx.skip();
      // The app only: its test runs on Node (kiln/testing is Node code).
      writeFileSync(join(project, 'tsconfig.json'), TSCONFIG(['app.ts']));
      expect(lines(sh(bin('tsc'), ['-p', '.'], project))).toBe('status 0\n');
      writeFileSync(join(project, 'node-only.ts'), 'export const home: string = process.env.HOME ?? "";\n');
      writeFileSync(join(project, 'tsconfig.json'), TSCONFIG(['app.ts', 'node-only.ts']));
      expect(lines(sh(bin('tsc'), ['-p', '.'], project))).toMatch(/node-only\.ts\(1,\d+\): error TS\d+: Cannot find name 'process'/);
      rmSync(join(project, 'node-only.ts'));
      writeFileSync(join(project, 'tsconfig.json'), TSCONFIG(['app.ts']));
    });

    it("runs a test importing kiln/testing (with the image's globals)", (ctx) => {
      if (skip) return ctx.skip();
      const run = sh(bin('vitest'), ['run', '--globals', '--root', project], project);
      expect(lines(run)).toMatch(/Tests {2}1 passed \(1\)/);
    });

    it('builds the app for Node and serves with it', (ctx) => {
      if (skip) return ctx.skip();
      const build = sh('npx', ['kiln', 'build', 'app.ts', '-o', 'app.mjs', '--no-check'], project);
      expect(lines(build)).toMatch(/kiln build: wrote app\.mjs/);
      const served = sh('sh', ['-c', '(timeout 10 node app.mjs --port=0 & sleep 3; kill %1) 2>&1'], project);
      expect(served.stdout).toMatch(/\[info\] packed: listening on \d+/);
    });

    it('builds an hvt image with the package mounted read-only: the native parts are built in the cache directory', (ctx) => {
      if (skip) return ctx.skip();
      const cache = join(work, 'cache');
      const script =
        'mount --bind node_modules/kiln node_modules/kiln && mount -o remount,bind,ro node_modules/kiln && ' +
        '! touch node_modules/kiln/probe 2>/dev/null && npx kiln build app.ts --target hvt -o app.hvt --no-check';
      const probe = sh('unshare', ['-m', 'true'], project);
      if (probe.status !== 0) {
        console.warn(`SKIPPED: the read-only package build: unshare -m failed (needs root): ${probe.stderr.trim()}`);
        return ctx.skip();
      }
      const build = sh('unshare', ['-m', 'sh', '-c', script], project, { XDG_CACHE_HOME: cache });
      expect(lines(build)).toMatch(/kiln build: wrote app\.hvt \(\d+ bytes, x86_64\)/);
      expect(existsSync(join(project, 'node_modules', 'kiln', 'build', 'x86_64'))).toBe(false);
      const built = sh('sh', ['-c', 'ls -d kiln/*/host/kiln-qjsc kiln/*/x86_64/kiln-hvt'], cache);
      expect(built.stdout.trim().split('\n')).toHaveLength(2);
    }, 15 * 60_000);
  });
});
