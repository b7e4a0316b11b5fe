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
    // The range is kiln-hvt's own (platform-solo5/tender/mem_limits.h).
    [['run', 'examples/hello', '--target', 'hvt', '--mem=1'], /--mem must be a whole number of MiB from 2 to 4096, got '1'/],
    [['run', 'examples/hello', '--target', 'hvt', '--mem=4097'], /--mem must be a whole number of MiB from 2 to 4096, got '4097'/],
  ])('kiln %j exits 2 with one line on stderr', (argv, message) => {
    const r = run(...argv);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('prints help for every subcommand', () => {
    for (const sub of ['build', 'run']) {
      const r = run(sub, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`kiln ${sub} <app>`));
    }
  });
});
