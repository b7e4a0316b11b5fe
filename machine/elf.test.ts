import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { ElfError, ElfFile } from './elf.ts';

// The Node binary running this test is a real dynamically linked ELF file of the host.
const node = readFileSync(process.execPath);
const hostIsElf64 = node[4] === 2 && node[5] === 1;
if (!hostIsElf64) console.warn('SKIPPED: elf.test.ts host-binary checks need a 64-bit little-endian ELF host');

describe('ElfFile', () => {
  it.skipIf(!hostIsElf64)('reads interpreter and needed libraries of a dynamic executable as readelf does', () => {
    const elf = new ElfFile(process.execPath, node);
    const readelf = execFileSync('readelf', ['-d', '-l', '-W', process.execPath]).toString();
    const needed = [...readelf.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    expect(needed.length).toBeGreaterThan(0);
    expect(elf.needed()).toEqual(needed);
    expect(elf.interpreter()).toBe(/Requesting program interpreter: ([^\]]+)\]/.exec(readelf)?.[1]);
  });

  it('rejects what is not a 64-bit little-endian ELF file, naming the file', () => {
    expect(() => new ElfFile('notes.txt', new TextEncoder().encode('hello'.repeat(20)))).toThrow(ElfError);
    expect(() => new ElfFile('notes.txt', new TextEncoder().encode('hello'.repeat(20)))).toThrow(/^notes\.txt: not an ELF file/);
    const elf32 = new Uint8Array(64);
    elf32.set([0x7f, 0x45, 0x4c, 0x46, 1, 1]);
    expect(() => new ElfFile('old', elf32)).toThrow(/not a 64-bit little-endian/);
  });

  it.skipIf(!hostIsElf64)('reports truncation instead of reading past the end', () => {
    const truncated = node.subarray(0, 4096);
    expect(() => new ElfFile('cut', truncated).needed()).toThrow(/runs past the end of the file/);
  });

  it.skipIf(!hostIsElf64)('says when a file is not a kernel module', () => {
    expect(() => new ElfFile('node', node).modinfo('depends')).toThrow(/no \.modinfo section/);
  });
});
