import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const kiln = join(__dirname, 'kiln.js');
const dir = mkdtempSync(join(tmpdir(), 'kiln-kv-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kv(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [kiln, 'kv', ...args], { encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kiln kv', () => {
  it('creates a store, puts, lists, gets, removes and checks', () => {
    const img = join(dir, 'a.img');
    expect(kv(['create', img, '--size', '256K']).stdout).toMatch(/created a store/);
    expect(kv(['put', img, 'notes/one', '--value', 'first']).status).toBe(0);
    expect(kv(['put', img, 'notes/two'], 'from stdin').status).toBe(0);
    const file = join(dir, 'value.bin');
    writeFileSync(file, new Uint8Array([0, 1, 2, 255]));
    expect(kv(['put', img, 'bin', file]).status).toBe(0);
    expect(kv(['list', img, '-r']).stdout).toBe('bin\t4\nnotes/\nnotes/one\t5\nnotes/two\t10\n');
    expect(kv(['list', img, 'notes']).stdout).toBe('notes/one\t5\nnotes/two\t10\n');
    expect(kv(['get', img, 'notes/two']).stdout).toBe('from stdin');
    expect(kv(['rm', img, 'notes']).status).toBe(0);
    expect(kv(['list', img]).stdout).toBe('bin\t4\n');
    const fsck = kv(['fsck', img]);
    expect(fsck.status).toBe(0);
    expect(fsck.stdout).toMatch(/1 keys.*\nclean\n$/);
  });

  it('finds a 4096-byte-sector store by itself, and refuses to format over data without --force', () => {
    const img = join(dir, 'b.img');
    expect(kv(['create', img, '--size', '128K', '--sector-size', '4096']).status).toBe(0);
    expect(kv(['put', img, 'k', '--value', 'v']).status).toBe(0);
    expect(kv(['get', img, 'k']).stdout).toBe('v');
    const again = kv(['create', img]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds data.*--force/);
    expect(kv(['create', img, '--force', '--sector-size', '4096']).status).toBe(0);
    expect(kv(['list', img]).stdout).toBe('');
  });

  it('reports damage and mistakes in one line', () => {
    const img = join(dir, 'random.img');
    writeFileSync(img, new Uint8Array(64 * 1024).map((_, i) => (i * 7919) & 0xff));
    const r = kv(['fsck', img]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no valid superblock.*\(corrupt\)\n$/);
    expect(kv(['get', join(dir, 'a.img'), 'missing']).stderr).toMatch(/not found \(not-found\)/);
    const usage = kv(['frob', img]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/unknown subcommand 'frob'/);
  });
});
