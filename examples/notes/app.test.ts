/**
 * examples/notes on unix (`kiln run examples/notes --target unix`), over
 * loopback: PUT, GET (ETag, 304), listings, DELETE, the store's refusals as
 * HTTP statuses, and the disk shared with `kiln kv` and a second run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const kiln = join(root, 'cli', 'kiln.js');
const dir = mkdtempSync(join(tmpdir(), 'kiln-notes-'));
const disk = join(dir, 'disk.img');

async function start(): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const child = spawn(process.execPath, [kiln, 'run', join(root, 'examples', 'notes'), '--target', 'unix', '--block', disk, '--', '--port=0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  for (let i = 0; i < 600 && !/listening on [\d.]+:(\d+)/.test(output); i++) await new Promise((r) => setTimeout(r, 50));
  const m = /listening on [\d.]+:(\d+)/.exec(output);
  if (!m) throw new Error(`notes did not start:\n${output}`);
  return { child, base: `http://127.0.0.1:${m[1]}`, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

const kv = (...args: string[]) => spawnSync(process.execPath, [kiln, 'kv', ...args], { encoding: 'utf8' });

describe('examples/notes on unix', () => {
  let first: Awaited<ReturnType<typeof start>>;

  beforeAll(async () => {
    writeFileSync(disk, new Uint8Array(1 << 20));
    first = await start();
  }, 60_000);

  afterAll(async () => {
    if (first.child.exitCode === null) await stop(first.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('formats the blank disk, then stores, lists, serves and removes notes', async () => {
    const { base } = first;
    expect(first.output()).toMatch(/formatted a new store on the blank disk/);
    expect((await fetch(`${base}/notes/todo/today`, { method: 'PUT', body: 'write tests' })).status).toBe(201);
    expect((await fetch(`${base}/notes/todo/today`, { method: 'PUT', body: 'write more tests' })).status).toBe(204);
    expect((await fetch(`${base}/notes/todo/later`, { method: 'PUT', body: 'rest' })).status).toBe(201);
    const got = await fetch(`${base}/notes/todo/today`);
    expect(await got.text()).toBe('write more tests');
    const etag = got.headers.get('etag')!;
    expect(etag).toMatch(/^"0x[0-9a-f]{8}"$/);
    expect(got.headers.get('last-modified')).toMatch(/GMT$/);
    expect((await fetch(`${base}/notes/todo/today`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect(await (await fetch(`${base}/notes/todo`)).json()).toEqual({
      entries: [
        { key: 'todo/later', kind: 'value' },
        { key: 'todo/today', kind: 'value' },
      ],
    });
    expect((await fetch(`${base}/notes/todo/later`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${base}/notes/todo/later`)).status).toBe(404);
    expect((await fetch(`${base}/notes/todo/today/sub`, { method: 'PUT', body: 'x' })).status).toBe(409);
    expect((await fetch(`${base}/notes/a%2`)).status).toBe(400);
    expect((await fetch(`${base}/notes/big`, { method: 'PUT', body: new Uint8Array(900_000) })).status).toBe(507);
    expect(await (await fetch(`${base}/stats`)).json()).toMatchObject({ keys: 1 });
  });

  it('shares its disk with kiln kv and with the next run', async () => {
    expect(await stop(first.child)).toBe(0);
    expect(kv('get', disk, 'todo/today').stdout).toBe('write more tests');
    expect(kv('put', disk, 'seeded', '--value', 'from the host').status).toBe(0);
    const second = await start();
    try {
      expect(second.output()).toMatch(/notes: 2 keys on the disk/);
      expect(await (await fetch(`${second.base}/notes/seeded`)).text()).toBe('from the host');
      expect(await (await fetch(`${second.base}/notes/todo/today`)).text()).toBe('write more tests');
    } finally {
      await stop(second.child);
    }
    expect(kv('fsck', disk).stdout).toMatch(/clean\n$/);
  }, 60_000);
});
