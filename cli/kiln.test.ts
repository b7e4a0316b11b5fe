import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describe, expect, it } from 'vitest';

const kiln = join(__dirname, 'kiln.js');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [kiln, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kiln command line', () => {
  it.each([
    [['frob'], /unknown command 'frob'/],
    [['run', '--bogus'], /kiln run: unknown option --bogus/],
    [['run', 'examples/does-not-exist', '--target', 'unix'], /app 'examples\/does-not-exist' does not exist/],
    [['build', 'cli', '--target=vm'], /--target must be one of unix, process, hvt, got 'vm'/],
    [['build', 'cli/main.ts', '--target', 'unix'], /missing -o FILE/],
    // The range is kiln-hvt's own (platform-solo5/tender/mem_limits.h).
    [['run', 'examples/hello', '--target', 'hvt', '--mem=1'], /--mem must be a whole number of MiB from 2 to 4096, got '1'/],
    [['run', 'examples/hello', '--target', 'hvt', '--mem=4097'], /--mem must be a whole number of MiB from 2 to 4096, got '4097'/],
    [['package', 'examples/http'], /say where: --oci -o FILE or --oci-dir DIR/],
    [['package', 'examples/http', '--oci'], /--oci and -o FILE go together/],
    [['package', 'examples/http', '--oci', '-o', 'x.tar', '--tag', '-bad'], /--tag must be/],
    [['package', 'examples/http', '--oci', '-o', 'x.tar', '--', 'a b'], /empty or holds white space/],
    [['package', 'examples/http', '--oci-dir', 'x', '--disk', 'cli/main.ts'], /multiple of 512/],
    [['run', 'examples/echo', '--port=8080'], /unknown option --port .*app's own arguments go after --, as in: kiln run <app> -- --port=8080/],
    [['run', 'examples/http', '--target', 'unix', '--publish', '80'], /kiln run: --publish applies to --target process or hvt only/],
    [['run', 'examples/http', '--target', 'process', '--publish', '8080:99999'], /--publish 8080:99999: expected HOSTPORT:GUESTPORT/],
    [['run', 'examples/http', '--target', 'process', '--publish', '8080:80', '--', '--ipv4=10.1.1.1/24'], /--publish gives the image its address/],
    [['run', 'examples/http', '--target', 'process', '--publish', '8080:80', '--net', 'tap0'], /--publish attaches the network device service itself/],
    ...(existsSync('/dev/kvm') ? [] : [[['run', 'examples/http', '--target', 'hvt', '--net', 'tap0'], /--net:service=tap0 names a tap on this host, which the emulated machine cannot reach .*use --publish/]]),
  ] as [string[], RegExp][])('kiln %j exits 2 with one line on stderr', (argv, message) => {
    const r = run(...argv);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('prints help for every subcommand', () => {
    for (const sub of ['build', 'run', 'package']) {
      const r = run(sub, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`kiln ${sub} <app>`));
    }
  });
});

describe('kiln: first-hour mistakes give clear lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-cli-'));
  const lib = JSON.stringify(join(__dirname, '..', 'lib', 'index.ts'));
  const app = (name: string, body: string): string => {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, `import { defineApp, stack } from ${lib};\n${body}\n`);
    return file;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists the app's arguments and the boot arguments for -- --help", () => {
    const r = run('run', 'examples/echo', '--', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^echo: arguments:\n {2}--port=<0\.\.65535> +TCP port to echo on/);
    expect(r.stdout).toMatch(/boot arguments every platform reads:\n {2}--ipv4=<A\.B\.C\.D\/N>/);
  });

  it('prints its version', () => {
    const r = run('--version');
    expect(r.status).toBe(0);
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout.trim()).toBe(`kiln ${version}`);
  });

  it('type-checks before building: each error as file:line:col, status 2', () => {
    const file = app(
      'typed',
      [
        "const port: number = 'eighty';",
        'export default defineApp({ name: "typed", devices: { net: stack() }, async start({ devices }) {',
        '  await devices.net.listenTCP(port);',
        '} });',
      ].join('\n'),
    );
    const r = run('build', file, '-o', join(dir, 'typed.mjs'));
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/typed\.ts:2:7: Type 'string' is not assignable to type 'number'/);
    expect(r.stderr).toMatch(/typed\.ts:4:21: Property 'listenTCP' does not exist on type 'Stack'. Did you mean 'listenTcp'/);
    expect(lines.at(-1)).toMatch(/kiln build: 2 type errors in .*typed\.ts \(fix them, or skip the check with --no-check\)/);
    // --no-check builds it anyway (the default target is unix).
    const unchecked = run('build', file, '--no-check', '-o', join(dir, 'typed.mjs'));
    expect(unchecked.status).toBe(0);
    expect(unchecked.stdout).toMatch(/wrote .*typed\.mjs/);
  });

  it('reports a syntax error as one file:line:col line, status 2, for both targets', () => {
    const file = app('broken', 'const x = ;\nexport default defineApp({ name: "broken", devices: {}, start() {} });');
    for (const target of ['unix', 'hvt']) {
      const r = run('build', file, '--no-check', '--target', target, '-o', join(dir, `broken.${target}`));
      expect(r.status, target).toBe(2);
      expect(r.stderr, target).toMatch(/broken\.ts:2:11: Unexpected ";"/);
      expect(r.stderr, target).not.toMatch(/\n\s+at /);
    }
  });
});
