import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockError } from '../../lib/devices/block.ts';
import { openFileBlock } from './block.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-file-block-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectBlockError(promise: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BlockError);
  expect((err as BlockError).code).toBe(code);
  expect((err as BlockError).message).toMatch(text);
}

describe('unix file Block: opening', () => {
  it("refuses a missing file with 'io' naming the path", async () => {
    await expectBlockError(openFileBlock(join(dir, 'absent.img')), 'io', /absent\.img.*ENOENT/);
  });

  it("refuses a directory with 'io'", async () => {
    await mkdir(join(dir, 'a-directory'));
    await expectBlockError(openFileBlock(join(dir, 'a-directory')), 'io', /a-directory/);
  });

  it("refuses a file that is not whole sectors with 'misaligned'", async () => {
    const path = join(dir, 'odd.img');
    await writeFile(path, new Uint8Array(1000));
    await expectBlockError(openFileBlock(path), 'misaligned', /1000 bytes is not a whole number of 512-byte sectors/);
    await expectBlockError(openFileBlock(path, { sectorSize: 4096 }), 'misaligned', /4096-byte/);
  });

  it('refuses sector sizes that are not a power of two from 512 to 65536', async () => {
    const path = join(dir, 'ok.img');
    await writeFile(path, new Uint8Array(8192));
    for (const size of [0, 256, 1000, 131072, 512.5]) {
      await expectBlockError(openFileBlock(path, { sectorSize: size }), 'misaligned', /power of two/);
    }
    const block = await openFileBlock(path, { sectorSize: 8192 });
    expect(block.info).toEqual({ sectorSize: 8192, capacity: 8192, readOnly: false });
    await block.close();
  });

  it('takes its capacity from the file, sparse files included', async () => {
    const path = join(dir, 'sparse.img');
    await writeFile(path, new Uint8Array(0));
    await truncate(path, 64 << 20);
    const block = await openFileBlock(path);
    expect(block.info.capacity).toBe(64 << 20);
    const last = new Uint8Array(512).fill(9);
    await block.write((64 << 20) - 512, last);
    const back = new Uint8Array(512);
    await block.read((64 << 20) - 512, back);
    expect(back).toEqual(last);
    await block.close();
  });
});

const hasStrace = spawnSync('strace', ['-V']).status === 0;
if (!hasStrace) console.warn('SKIPPED: unix file Block fdatasync test needs strace');

describe('unix file Block: durability', () => {
  it.skipIf(!hasStrace).each([
    ['on the calling thread (the default)', false],
    ['on a thread of the pool with flushOnThreadPool', true],
  ])('flush is an fdatasync of the file, after the writes reached it (pwrite), %s', async (_, onPool) => {
    const script = join(dir, `flush-${onPool}.mjs`);
    const image = join(dir, `flush-${onPool}.img`);
    await writeFile(image, new Uint8Array(4096));
    await build({
      stdin: {
        contents:
          `import { openFileBlock } from ${JSON.stringify(join(import.meta.dirname, 'block.ts'))};\n` +
          `const block = await openFileBlock(${JSON.stringify(image)}, { flushOnThreadPool: ${onPool} });\n` +
          'await block.write(1024, new Uint8Array(512).fill(1));\nawait block.flush();\nawait block.close();\n',
        resolveDir: import.meta.dirname,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: script,
      logLevel: 'error',
    });
    const traced = spawnSync('strace', ['-f', '-e', 'trace=pwrite64,fdatasync', process.execPath, script], { encoding: 'utf8' });
    expect(traced.status).toBe(0);
    const calls = traced.stderr.split('\n').filter((line) => /pwrite64\(|fdatasync\(/.test(line));
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/pwrite64\((\d+), .*, 512, 1024\) = 512/);
    const fd = /pwrite64\((\d+),/.exec(calls[0]!)![1];
    expect(calls[1]).toMatch(new RegExp(`fdatasync\\(${fd}\\)\\s+= 0`));
    // strace -f names the thread of each call once the process has several (Node always has).
    const thread = (line: string): string => /^\[pid\s+(\d+)\]/.exec(line)?.[1] ?? String(traced.pid);
    if (onPool) expect(thread(calls[1]!)).not.toBe(thread(calls[0]!));
    else expect(thread(calls[1]!)).toBe(thread(calls[0]!));
  });
});

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('SKIPPED: unix file Block ENOSPC test needs root (to mount a small tmpfs)');

describe('unix file Block: a full host filesystem', () => {
  it.skipIf(!isRoot)("a write the host has no room for fails with 'no-space'", async () => {
    const mountPoint = join(dir, 'small-fs');
    await mkdir(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'kiln-block-test', mountPoint]);
    try {
      const path = join(mountPoint, 'disk.img');
      await writeFile(path, new Uint8Array(0));
      // A sparse 4 MiB device on a 256 KiB filesystem: the capacity is there, the room is not.
      await truncate(path, 4 << 20);
      const block = await openFileBlock(path);
      await expectBlockError(block.write(0, new Uint8Array(1 << 20).fill(1)), 'no-space', /ENOSPC/);
      await block.close();
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});
