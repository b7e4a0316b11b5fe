import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tarArchive } from './tar.ts';

const hasTar = spawnSync('tar', ['--version']).status === 0;
if (!hasTar) console.warn('SKIPPED: reading kiln tar archives back with GNU tar: needs tar');

const work = mkdtempSync(join(tmpdir(), 'kiln-tar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(90)}.bin`;
const entries = [
  { kind: 'dir', path: 'top' },
  { kind: 'file', path: 'top/empty', data: new Uint8Array(0) },
  { kind: 'file', path: 'top/exact', data: Buffer.alloc(512, 7), mode: 0o600 },
  { kind: 'file', path: 'top/odd', data: Buffer.from('hello\n') },
  { kind: 'file', path: long, data: Buffer.from('deep') },
] as const;

describe('tarArchive', () => {
  it('pads to blocks and ends with two zero blocks', () => {
    const tar = tarArchive(entries);
    // headers: 5; data blocks: 0 + 1 + 1 + 1; end: 2
    expect(tar.length).toBe((5 + 3 + 2) * 512);
    expect(tar.subarray(tar.length - 1024).every((b) => b === 0)).toBe(true);
  });

  it('writes valid header checksums, mtime 0 and owner root', () => {
    const header = tarArchive([entries[3]]).subarray(0, 512);
    const stored = parseInt(header.subarray(148, 154).toString('ascii'), 8);
    const copy = Buffer.from(header);
    copy.fill(0x20, 148, 156);
    expect(copy.reduce((sum, b) => sum + b, 0)).toBe(stored);
    expect(header.subarray(136, 147).toString('ascii')).toBe('0'.repeat(11));
    expect(header.subarray(257, 265).toString('latin1')).toBe('ustar\u000000');
    expect(header.subarray(265, 269).toString('ascii')).toBe('root');
  });

  it('gives the same bytes for the same entries', () => {
    expect(tarArchive(entries).equals(tarArchive(entries))).toBe(true);
  });

  it.skipIf(!hasTar)('is read back by GNU tar: names (long ones through the prefix field), modes, contents', () => {
    const file = join(work, 'a.tar');
    writeFileSync(file, tarArchive(entries));
    const out = join(work, 'out');
    mkdirSync(out);
    const r = spawnSync('tar', ['-xf', file, '-C', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(out, 'top/odd'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(out, 'top/exact')).equals(Buffer.alloc(512, 7))).toBe(true);
    expect(statSync(join(out, 'top/exact')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'top/empty')).size).toBe(0);
    expect(readFileSync(join(out, long), 'utf8')).toBe('deep');
    expect(statSync(join(out, 'top')).isDirectory()).toBe(true);
  });

  it.each([
    ['/abs', /bad entry path/],
    ['a/../b', /bad entry path/],
    ['', /bad entry path/],
    ['x'.repeat(101), /too long/],
  ])('refuses path %j', (path, message) => {
    expect(() => tarArchive([{ kind: 'file', path, data: new Uint8Array(1) }])).toThrow(message);
  });

  it('refuses an entry given twice', () => {
    expect(() => tarArchive([{ kind: 'dir', path: 'a' }, { kind: 'dir', path: 'a/' }])).toThrow(/given twice/);
  });
});
