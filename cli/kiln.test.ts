import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
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
    [['build', 'cli', '--target=vm'], /--target must be one of unix, hvt, got 'vm'/],
    [['build', 'cli/main.ts', '--target', 'unix'], /missing -o FILE/],
    [['package', 'examples/http'], /say where: --oci -o FILE or --oci-dir DIR/],
    [['package', 'examples/http', '--oci'], /--oci and -o FILE go together/],
    [['package', 'examples/http', '--oci', '-o', 'x.tar', '--tag', '-bad'], /--tag must be/],
    [['package', 'examples/http', '--oci', '-o', 'x.tar', '--', 'a b'], /empty or holds white space/],
    [['package', 'examples/http', '--oci-dir', 'x', '--disk', 'cli/main.ts'], /multiple of 512/],
  ])('kiln %j exits 2 with one line on stderr', (argv, message) => {
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
