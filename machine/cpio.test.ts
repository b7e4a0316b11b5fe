import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { CpioWriter } from './cpio.ts';

const hostCpio = spawnSync('cpio', ['--version']).status === 0;
if (!hostCpio) console.warn('SKIPPED: cpio.test.ts cross-check needs the host cpio tool (apt-get install cpio)');

function names(archive: Uint8Array): string[] {
  return execFileSync('cpio', ['-t', '--quiet'], { input: archive }).toString().trim().split('\n');
}

function verboseListing(archive: Uint8Array): string[] {
  return execFileSync('cpio', ['-t', '-v', '--quiet'], { input: archive }).toString().trim().split('\n');
}

describe('CpioWriter', () => {
  it('adds parent directories once, before their entries', () => {
    const cpio = new CpioWriter();
    cpio.file('/usr/bin/tool', new Uint8Array([1, 2, 3]), 0o755);
    cpio.file('usr/lib/x', new Uint8Array(0));
    expect(cpio.has('/usr')).toBe(true);
    expect(cpio.has('usr/bin/')).toBe(true);
    expect(cpio.has('usr/sbin')).toBe(false);
  });

  it('refuses duplicates, the root and paths escaping with ..', () => {
    const cpio = new CpioWriter();
    cpio.file('a/b', new Uint8Array(0));
    expect(() => cpio.file('/a/b', new Uint8Array(0))).toThrow(/already in the archive/);
    expect(() => cpio.file('/', new Uint8Array(0))).toThrow(/names the root/);
    expect(() => cpio.symlink('a/../../etc', 'x')).toThrow(/contains '\.\.'/);
  });

  it('pads every header, name and body to 4 bytes and ends with the trailer', () => {
    const cpio = new CpioWriter();
    cpio.file('f', new Uint8Array([9, 9, 9]));
    const bytes = cpio.finish();
    expect(bytes.length % 4).toBe(0);
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text.startsWith('070701')).toBe(true);
    expect(text).toContain('TRAILER!!!\0');
  });

  it.skipIf(!hostCpio)('writes archives GNU cpio reads back: modes, sizes, symlinks, contents', () => {
    const cpio = new CpioWriter();
    cpio.file('bin/run', new TextEncoder().encode('#!/bin/sh\necho hi\n'), 0o755);
    cpio.symlink('bin/sh', 'busybox');
    cpio.file('etc/odd', new Uint8Array(5).fill(0x41));
    const archive = cpio.finish();
    expect(names(archive)).toEqual(['bin', 'bin/run', 'bin/sh', 'etc', 'etc/odd']);
    const lines = verboseListing(archive);
    expect(lines.find((l) => l.endsWith(' bin/run'))).toMatch(/^-rwxr-xr-x .* 18 /);
    expect(lines.find((l) => l.includes(' bin/sh'))).toMatch(/^lrwxrwxrwx .* bin\/sh -> busybox$/);
    expect(lines.find((l) => l.endsWith(' etc/odd'))).toMatch(/^-rw-r--r-- .* 5 /);
    const extracted = execFileSync('cpio', ['-i', '--to-stdout', '--quiet', 'etc/odd'], { input: archive }).toString();
    expect(extracted).toBe('AAAAA');
  });
});
