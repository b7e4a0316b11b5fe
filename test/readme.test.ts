/**
 * Every command the README shows is run here, so the README cannot drift
 * from the CLI and the examples:
 * - each `npx kiln ...` line of a shell block runs: builds, `new` and
 *   `package` for real (outputs into a temporary folder), `kiln run` with
 *   `--dry-run` (everything up to the launch: options, type check, build),
 *   `-- --help` for real;
 * - each block that sets up a network namespace runs as a script, as root,
 *   with its server in the background and its curl retried until the server
 *   answers (bounded), the namespace deleted afterwards;
 * - the TypeScript block of "Testing your app" runs as a test of the app
 *   `kiln new` writes.
 * `npm run demo` and `npm test` are not run here: they are what CI runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostKvmProblem } from '../machine/host.ts';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
mkdirSync(join(ROOT, 'build'), { recursive: true });
const work = mkdtempSync(join(ROOT, 'build', 'readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The code blocks of a language, in order. */
function blocks(lang: string): string[] {
  return [...README.matchAll(new RegExp('^```' + lang + '\\n([^]*?)^```', 'gm'))].map((m) => m[1]!);
}

/** A shell line without its trailing `# comment`. */
const command = (line: string): string => line.replace(/\s+#\s.*$/, '').trim();

const shellBlocks = blocks('sh');
const networkBlocks = shellBlocks.filter((b) => b.includes('ip netns add'));
const kilnLines = shellBlocks
  .filter((b) => !networkBlocks.includes(b))
  .flatMap((b) => b.split('\n').map(command))
  .filter((line) => line.startsWith('npx kiln '));
const otherLines = shellBlocks
  .filter((b) => !networkBlocks.includes(b))
  .flatMap((b) => b.split('\n').map(command))
  .filter((line) => line !== '' && !line.startsWith('npx kiln ') && !/^npm (run demo|test)$/.test(line));

function kiln(args: string[], cwd = ROOT): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'cli', 'kiln.js'), ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The arguments of a README line, with outputs sent into the temporary folder and `run` made a dry run. */
function rewritten(line: string): string[] {
  const args = line.replace(/^npx kiln /, '').split(/\s+/);
  const out = args.indexOf('-o');
  if (out >= 0) args[out + 1] = join(work, args[out + 1]!);
  if (args[0] === 'run' && !args.includes('--help')) {
    const rest = args.indexOf('--');
    args.splice(rest < 0 ? args.length : rest, 0, '--dry-run');
  }
  return args;
}

describe('README', () => {
  it('shows kiln commands, and every shell line is one this test runs', () => {
    expect(kilnLines.length).toBeGreaterThan(5);
    expect(otherLines).toEqual([]);
  });

  it.each(kilnLines)('%s', (line) => {
    const args = rewritten(line);
    const r = kiln(args, args[0] === 'new' ? work : ROOT);
    expect(r.status, r.out).toBe(0);
    if (args[0] === 'run') expect(r.out).toMatch(args.includes('--help') ? /arguments:/ : /kiln run: would run/);
  }, 300_000);

  it('has a test in "Testing your app" that passes against the app kiln new writes', () => {
    const test = blocks('ts').find((b) => b.includes('startTestApp('));
    expect(test).toBeDefined();
    expect(kiln(['new', 'notes'], work).status).toBe(0);
    const app = join(work, 'notes');
    writeFileSync(join(app, 'app.test.ts'), test!);
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'vitest'), ['run'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }, 300_000);

  describe.each(networkBlocks.map((b, i) => [i + 1, b] as const))('network recipe %i', (_, block) => {
    it('runs as shown: the server answers curl from the namespace', async () => {
      const skip =
        process.getuid?.() !== 0 ? 'needs root (network namespaces)' : block.includes('--target hvt') ? await hostKvmProblem() : null;
      if (skip) {
        console.warn(`SKIPPED: README network recipe: ${skip}`);
        return;
      }
      const lines = block.split('\n');
      const script = [
        'set -e',
        // Every process in the namespace goes (kiln run's children too), then the namespace.
        // set +e: a process that ends between listing and kill must not fail the recipe.
        "trap 'set +e; ip netns pids kiln 2>/dev/null | xargs -r kill 2>/dev/null; sleep 1; ip netns pids kiln 2>/dev/null | xargs -r kill -9 2>/dev/null; ip netns del kiln 2>/dev/null' EXIT",
        ...lines.map((line) =>
          line.includes('curl ')
            ? `i=0; until ${command(line)} -sS --max-time 2 -o /dev/null; do i=$((i+1)); [ $i -lt 40 ] || exit 3; sleep 0.5; done; echo ANSWERED`
            : line.replace(/^(ip netns exec kiln npx kiln run .*[^&])$/, '$1 &'),
        ),
      ].join('\n');
      const r = spawnSync('sh', ['-c', script], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('ANSWERED');
    }, 300_000);
  });
});
