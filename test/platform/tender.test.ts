// kiln-hvt and kiln-mft without KVM: host unit tests of the tender's parts,
// and the tender's one-line refusals, which all come before /dev/kvm is
// opened.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MFT_TOOL, TENDER, UNIT_TESTS, buildPlatform, image } from './build.ts';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

let dir: string;

beforeAll(async () => {
  await buildPlatform();
  dir = await mkdtemp(join(tmpdir(), 'kiln-tender-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tender parts (C unit tests)', () => {
  it.each(UNIT_TESTS)('%s', async (path) => {
    const r = await run(path, []);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

/** A copy of an image with bytes changed at the offset of a marker found in it. */
async function patched(name: string, edit: (bytes: Buffer) => void): Promise<string> {
  const bytes = Buffer.from(await readFile(image(name)));
  edit(bytes);
  const path = join(dir, `${name}-${Math.random().toString(36).slice(2)}.hvt`);
  await writeFile(path, bytes);
  return path;
}

/** Offset of a Solo5 note's descriptor, found by its header. */
function noteDesc(bytes: Buffer, type: number): number {
  const header = Buffer.alloc(20);
  header.writeUInt32LE(6, 0);
  header.writeUInt32LE(type, 8);
  header.write('Solo5\0', 12, 'latin1');
  for (let at = bytes.indexOf(header.subarray(8, 18)); at >= 0; at = bytes.indexOf(header.subarray(8, 18), at + 1)) {
    if (bytes.readUInt32LE(at - 8) === 6) return at + 12;
  }
  throw new Error(`note 0x${type.toString(16)} not found`);
}

const ABI1 = 0x31494241;
const MFT1 = 0x3154464d;

/** Runs kiln-hvt expecting a refusal: status 1 and exactly one line naming the reason. */
async function refuses(args: string[], reason: RegExp): Promise<void> {
  const r = await run(TENDER, args);
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^kiln-hvt: /);
  expect(lines[0]).toMatch(reason);
}

describe('kiln-hvt refusals (before any VM exists)', () => {
  it('--help describes the solo5-hvt options and exits 0', async () => {
    const r = await run(TENDER, ['--help']);
    expect(r.status).toBe(0);
    for (const opt of ['--mem=', '--net:NAME=TAP', '--net-mac:', '--net-pcap:', '--block:NAME=PATH', '--block-sector-size:'])
      expect(r.stdout).toContain(opt);
  });

  it('refuses a bad command line', async () => {
    await refuses([], /missing IMAGE/);
    await refuses(['--mem=0', image('hello')], /--mem=0/);
    await refuses(['--bogus', image('hello')], /unknown option/);
    await refuses(['--net:a-b=tap0', image('hello')], /A-Z a-z 0-9/);
  });

  it('refuses files that are not hvt images', async () => {
    await refuses([join(dir, 'missing.hvt')], /No such file/);
    const text = join(dir, 'text.hvt');
    await writeFile(text, 'hello\n');
    await refuses([text], /not an ELF file/);
    await refuses(['/bin/sh'], /not a static executable|wrong architecture/);
    await refuses([dir], /not a regular file/);
  });

  it('refuses a wrong architecture', async () => {
    const path = await patched('hello', (b) => b.writeUInt16LE(183 /* EM_AARCH64 */, 18));
    await refuses([path], /wrong architecture/);
  });

  it('refuses a missing or incompatible ABI note', async () => {
    const version = await patched('hello', (b) => b.writeUInt32LE(1, noteDesc(b, ABI1) + 4));
    await refuses([version], /ABI version 1/);
    const target = await patched('hello', (b) => b.writeUInt32LE(2, noteDesc(b, ABI1)));
    await refuses([target], /target 2, not hvt/);
    const none = await patched('hello', (b) => b.writeUInt32LE(0x41414141, noteDesc(b, ABI1) - 12));
    await refuses([none], /no Solo5 ABI note/);
  });

  it('refuses a malformed manifest', async () => {
    // The manifest starts 4 bytes into the descriptor: version, entries.
    const version = await patched('blk', (b) => b.writeUInt32LE(9, noteDesc(b, MFT1) + 4));
    await refuses([version], /malformed manifest: version 9/);
    const entries = await patched('blk', (b) => b.writeUInt32LE(5, noteDesc(b, MFT1) + 8));
    await refuses([entries], /malformed manifest/);
    const type = await patched('blk', (b) => b.writeUInt32LE(77, noteDesc(b, MFT1) + 12 + 104 + 68));
    await refuses([type], /unknown device type 0x4d/);
  });

  it('refuses segments outside guest memory or overlapping', async () => {
    // Program header 2 (data) starts at 64 + 2 * 56; p_vaddr at +16.
    const outside = await patched('hello', (b) => b.writeBigUInt64LE(0x7fff0000n, 64 + 2 * 56 + 16));
    await refuses(['--mem=64', outside], /outside guest memory/);
    const overlap = await patched('hello', (b) => b.writeBigUInt64LE(0x100000n, 64 + 2 * 56 + 16));
    await refuses([overlap], /overlaps/);
  });

  it('refuses when manifest and command line disagree', async () => {
    await refuses([image('blk')], /declares BLOCK_BASIC device 'storage': attach it with --block:storage=PATH/);
    await refuses(['--net:service=tap0', image('hello')], /declares no device 'service'/);
    await refuses(['--net:storage=tap0', image('blk')], /'storage' is a BLOCK_BASIC device/);
  });

  it('refuses unusable backing devices', async () => {
    await refuses(['--block:storage=/nonexistent/disk', image('blk')], /No such file/);
    const odd = join(dir, 'odd.img');
    await writeFile(odd, Buffer.alloc(1000));
    await refuses([`--block:storage=${odd}`, image('blk')], /multiple of the sector size/);
    await refuses(['--net:service=kilnnotap9', image('net')], /tap device 'kilnnotap9' does not exist/);
  });

  it('provides Kiln devices without options and refuses options for them', async () => {
    // blk's manifest with its BLOCK_BASIC entry re-typed as KILN_FORK.
    const path = await patched('blk', (b) => b.writeUInt32LE(2 ** 30 + 1, noteDesc(b, MFT1) + 12 + 104 + 68));
    await refuses([`--block:storage=${path}`, path], /'storage' is a KILN_FORK device in the image/);
    // Two KILN_FORK entries: one is enough.
    const twice = await patched('hostile', (b) => {
      b.writeUInt32LE(2 ** 30 + 1, noteDesc(b, MFT1) + 12 + 104 + 68);
      b.writeUInt32LE(2 ** 30 + 1, noteDesc(b, MFT1) + 12 + 2 * 104 + 68);
    });
    await refuses([twice], /declares KILN_FORK twice/);
  });
});

describe('kiln-mft', () => {
  it('writes a manifest note for the listed devices', async () => {
    const out = join(dir, 'm.c');
    const r = await run(MFT_TOOL, ['-o', out, 'service:NET_BASIC', 'storage:BLOCK_BASIC', 'pipe:KILN_PIPE', 'fork:KILN_FORK']);
    expect(r.status).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text).toContain('.entries = 5');
    expect(text).toContain('{.name = "service", .type = KILN_MFT_NET_BASIC}');
    expect(text).toContain('{.name = "fork", .type = KILN_MFT_KILN_FORK}');
    expect(text).toContain('.note.solo5.manifest');
  });

  it('refuses bad device lists', async () => {
    const out = join(dir, 'bad.c');
    for (const [arg, reason] of [
      ['service', /expected NAME:TYPE/],
      ['service:WIFI', /unknown device type 'WIFI'/],
      ['ser_vice:NET_BASIC', /A-Z a-z 0-9/],
      [`${'x'.repeat(68)}:NET_BASIC`, /1-67 characters/],
    ] as const) {
      const r = await run(MFT_TOOL, ['-o', out, arg]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(reason);
    }
    const twice = await run(MFT_TOOL, ['-o', out, 'a:NET_BASIC', 'a:BLOCK_BASIC']);
    expect(twice.stderr).toMatch(/given twice/);
  });

  it('images carry exactly the manifest the build asked for', async () => {
    const b = await readFile(image('hostile'));
    const desc = noteDesc(b, MFT1);
    expect(b.readUInt32LE(desc + 4)).toBe(1); // version
    expect(b.readUInt32LE(desc + 8)).toBe(3); // reserved + service + storage
    expect(b.toString('latin1', desc + 12 + 104, desc + 12 + 104 + 7)).toBe('service');
  });
});
