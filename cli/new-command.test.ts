import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const kiln = join(root, 'cli', 'kiln.js');
// Inside the package, so that `import ... from 'kiln'` resolves to this checkout (package self-reference).
mkdirSync(join(root, 'build'), { recursive: true });
const work = mkdtempSync(join(root, 'build', 'kiln-new-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(program: string, args: string[], cwd = work) {
  return spawnSync(program, args, { cwd, encoding: 'utf8', timeout: 120_000 });
}

describe('kiln new', () => {
  it('scaffolds an app whose test passes and which type-checks and builds for both targets', () => {
    const made = run(process.execPath, [kiln, 'new', 'notes']);
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    expect(made.stdout).toMatch(/created notes\/ \(app\.ts, app\.test\.ts, tsconfig\.json, vitest\.config\.ts, README\.md\)/);
    const app = join(work, 'notes');
    expect(readFileSync(join(app, 'app.ts'), 'utf8')).toContain("name: 'notes'");

    const test = run(join(root, 'node_modules', '.bin', 'vitest'), ['run'], app);
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/1 passed/);

    const tsc = run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', '.', '--pretty', 'false'], app);
    expect(tsc.status, tsc.stdout).toBe(0);

    for (const target of ['unix', 'hvt']) {
      const built = run(process.execPath, [kiln, 'build', '.', '--target', target, '-o', join(work, `notes.${target}`)], app);
      expect(built.status, `${target}: ${built.stderr}`).toBe(0);
    }
  });

  it('catches a Node-only global in the scaffold with its tsconfig, as an image would fail', () => {
    const app = join(work, 'notes');
    const source = readFileSync(join(app, 'app.ts'), 'utf8');
    writeFileSync(join(app, 'app.ts'), `${source}\nexport const argv = process.argv;\n`);
    const built = run(process.execPath, [kiln, 'build', '.', '-o', join(work, 'notes.mjs')], app);
    writeFileSync(join(app, 'app.ts'), source);
    expect(built.status).toBe(2);
    expect(built.stderr).toMatch(/app\.ts:\d+:\d+: Cannot find name 'process': a Node\.js global, which images do not have/);
  });

  it.each([
    [['new'], /kiln new: missing NAME/],
    [['new', 'Bad_Name'], /NAME 'Bad_Name' must be lower-case letters, digits and dashes/],
    [['new', 'notes'], /notes exists and is not empty/],
  ])('kiln %j exits 2 with one line', (argv, message) => {
    const r = run(process.execPath, [kiln, ...argv]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
