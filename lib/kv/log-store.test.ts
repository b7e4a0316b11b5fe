/**
 * The log store's own cases beyond the Kv contract: bad devices give a clear
 * `corrupt` or `unsupported` error (never a crash or a silent empty store),
 * a device of many GiB is used without reading it whole, and non-durable
 * writes become durable at sync.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KvError } from '../devices/kv.ts';
import { openFileBlock } from '../../drivers/unix/block.ts';
import { MemoryBlock } from '../testing/memory-block.ts';
import { CrashBlock } from '../testing/crash-block.ts';
import { SeededRandom } from '../testing/seeded-random.ts';
import { crc32 } from '../crc32.ts';
import type { Block } from '../devices/block.ts';
import { FORMAT_VERSION, SUPER_BYTES } from './format.ts';
import { formatLogStore, isBlank, LogStore } from './log-store.ts';

async function openError(block: MemoryBlock): Promise<KvError> {
  try {
    await LogStore.open(block);
  } catch (err) {
    expect(err).toBeInstanceOf(KvError);
    return err as KvError;
  }
  throw new Error('the store opened');
}

async function formatted(sectorSize = 512, sectors = 256): Promise<MemoryBlock> {
  const block = new MemoryBlock({ sectorSize, sectors });
  await formatLogStore(block);
  const kv = await LogStore.open(block);
  await kv.set('a', new Uint8Array([1, 2, 3]));
  await kv.close();
  return block;
}

describe('LogStore on bad devices', () => {
  it('a blank device is not a store (corrupt), and says it is blank', async () => {
    const block = new MemoryBlock({ sectors: 256 });
    expect(await isBlank(block)).toBe(true);
    const err = await openError(block);
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/no valid superblock/);
  });

  it('random bytes: corrupt, for several seeds and both sector sizes', async () => {
    for (const sectorSize of [512, 4096]) {
      for (let seed = 1; seed <= 5; seed++) {
        const storage = new Uint8Array(sectorSize * 32);
        new SeededRandom(seed).fill(storage);
        expect((await openError(new MemoryBlock({ sectorSize, storage }))).code).toBe('corrupt');
      }
    }
  });

  it('a truncated image: corrupt, naming the sizes', async () => {
    const block = await formatted();
    const err = await openError(new MemoryBlock({ storage: block.storage.slice(0, 100 * 512) }));
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/truncated/);
  });

  it('a superblock of a newer format version: unsupported', async () => {
    const block = await formatted();
    for (const slot of [0, 1]) new DataView(block.storage.buffer).setUint32(slot * 512 + 4, FORMAT_VERSION + 1, true);
    const err = await openError(block);
    expect(err.code).toBe('unsupported');
    expect(err.message).toContain(`version ${FORMAT_VERSION + 1}`);
  });

  it('a store opened with another sector size: unsupported', async () => {
    const block = await formatted(4096, 32);
    expect((await openError(new MemoryBlock({ sectorSize: 512, storage: block.storage }))).code).toBe('unsupported');
  });

  it('a damaged superblock slot other than the current one changes nothing', async () => {
    const block = await formatted();
    block.storage[7] ^= 0xff; // slot 0, blank since formatting (generation 1 is in slot 1)
    const kv = await LogStore.open(block);
    expect(Array.from(await kv.get('a'))).toEqual([1, 2, 3]);
    await kv.close();
  });

  it('a batch damaged in the middle of the log: corrupt at mount, not a silently shorter store', async () => {
    const block = await formatted();
    const kv = await LogStore.open(block);
    await kv.set('b', new Uint8Array([4, 5, 6]));
    await kv.close();
    const at = block.storage.indexOf(3, 2 * 512 + 40); // the first batch's value [1, 2, 3]
    block.storage[at - 2] ^= 1;
    const err = await openError(block);
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/damaged/);
  });

  it('a device too small for a store: unsupported', async () => {
    await expect(formatLogStore(new MemoryBlock({ sectors: 4 }))).rejects.toMatchObject({ code: 'unsupported' });
  });

  it("the superblock's checksum covers every field", async () => {
    const block = await formatted();
    const current = await LogStore.open(block);
    const { superblocks } = await current.check();
    expect(superblocks.join()).toMatch(/generation/);
    await current.close();
    for (const slot of [0, 1]) block.storage[slot * 512 + SUPER_BYTES - 10] ^= 1;
    expect((await openError(block)).code).toBe('corrupt');
  });
});

describe('LogStore on large devices and without durability', () => {
  it('uses a sparse 16 GiB file without reading it whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-kv-big-'));
    try {
      const path = join(dir, 'big.img');
      const file = await open(path, 'w');
      await file.truncate(16 * 2 ** 30);
      await file.close();
      const block = await openFileBlock(path, { sectorSize: 4096 });
      await formatLogStore(block);
      let kv = await LogStore.open(block);
      for (let i = 0; i < 100; i++) await kv.set(`k/${i}`, new Uint8Array(3000).fill(i));
      expect(kv.stats.maxValue).toBeGreaterThan(8_000_000);
      await kv.set('big', new Uint8Array(5 << 20).fill(9));
      await kv.close();
      kv = await LogStore.open(block);
      expect((await kv.get('k/42'))[0]).toBe(42);
      expect((await kv.get('big')).length).toBe(5 << 20);
      expect((await kv.check()).ok).toBe(true);
      await kv.close();
      await block.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('non-durable writes resolve before a flush; sync makes them durable', async () => {
    const block = new CrashBlock({ sectors: 256 });
    await formatLogStore(block);
    const kv = await LogStore.open(block, { nonDurable: true });
    const flushes = block.flushes;
    for (let i = 0; i < 10; i++) await kv.set(`n/${i}`, new Uint8Array([i]));
    expect(block.flushes).toBe(flushes);
    await kv.sync();
    expect(block.flushes).toBe(flushes + 1);
    block.crashAfterWrites(1);
    await kv.set('lost?', new Uint8Array([1]));
    const again = await LogStore.open(new CrashBlock({ image: block.survivor(new SeededRandom(1)) }));
    expect((await again.list('n')).length).toBe(10);
  });
});

describe('LogStore value cache', () => {
  it('gets stay right while the log wraps round a small device many times, from the device, the cache, or both', async () => {
    for (const [sectorSize, cacheBytes] of [[512, 0], [4096, 0], [512, 4096], [4096, 4096]] as const) {
      const block = new MemoryBlock({ sectorSize, sectors: (64 * 1024) / sectorSize });
      await formatLogStore(block);
      const kv = await LogStore.open(block, { cacheBytes });
      const random = new SeededRandom(sectorSize);
      const expected = new Map<string, Uint8Array>();
      for (let i = 0; i < 600; i++) {
        const key = `k${random.nextU32() % 12}`;
        const value = new Uint8Array(1 + (random.nextU32() % 700));
        random.fill(value);
        await kv.set(key, value);
        expected.set(key, value);
        for (const [k, v] of expected) expect(await kv.get(k)).toEqual(v);
      }
      expect((await kv.check()).generation).toBeGreaterThan(5); // the tail moved round the area
      await kv.close();
    }
  });
  it('a value damaged on the device after mounting: corrupt on its get, which reads and checks it; a value kept when written is got without reading', async () => {
    const block = await formatted();
    const kv = await LogStore.open(block);
    const at = Buffer.from(block.storage).indexOf(Buffer.from([1, 2, 3]), 2 * 512); // the value formatted() wrote
    block.storage[at + 1] ^= 1;
    await expect(kv.get('a')).rejects.toMatchObject({ code: 'corrupt' });
    await kv.set('b', new Uint8Array([4, 5, 6]));
    block.storage.fill(0, 2 * 512); // the whole log gone: a get from the cache does not notice
    expect(Array.from(await kv.get('b'))).toEqual([4, 5, 6]);
    await kv.close();
  });
});

/** A Block that notes the lowest offset read through it past the superblocks. */
class WatchedBlock implements Block {
  lowestLogRead = Number.POSITIVE_INFINITY;
  constructor(private readonly inner: Block) {}
  get info() {
    return this.inner.info;
  }
  read(offset: number, buffer: Uint8Array): Promise<void> {
    if (offset >= 2 * this.info.sectorSize) this.lowestLogRead = Math.min(this.lowestLogRead, offset);
    return this.inner.read(offset, buffer);
  }
  write(offset: number, data: Uint8Array): Promise<void> {
    return this.inner.write(offset, data);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('LogStore index checkpoints', () => {
  /** A store of 50 keys each written 40 times, one write a batch: a log far longer than its index. */
  async function rewritten(checkpointBytes: number): Promise<{ block: MemoryBlock; logBytes: number }> {
    const block = new MemoryBlock({ sectors: 8192 });
    await formatLogStore(block);
    const kv = await LogStore.open(block, { checkpointBytes });
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 50; i++) await kv.set(`k/${i}`, new Uint8Array(100).fill(round));
    }
    const { logBytes } = kv.stats;
    await kv.close();
    return { block, logBytes };
  }

  it('a mount reads from the last checkpoint on, not the whole log', async () => {
    for (const checkpointBytes of [64 * 1024, Number.POSITIVE_INFINITY]) {
      const { block, logBytes } = await rewritten(checkpointBytes);
      const watched = new WatchedBlock(block);
      const kv = await LogStore.open(watched);
      // The log has not wrapped: its tail is the area's start, 1024.
      if (checkpointBytes === Number.POSITIVE_INFINITY) expect(watched.lowestLogRead).toBe(1024);
      else expect(watched.lowestLogRead).toBeGreaterThan(1024 + logBytes / 2);
      for (let i = 0; i < 50; i++) expect((await kv.get(`k/${i}`))[0]).toBe(39);
      expect((await kv.check()).ok).toBe(true);
      await kv.close();
    }
  });

  it('a version 1 store (from before checkpoints) mounts, and takes writes', async () => {
    const block = await formatted();
    const view = new DataView(block.storage.buffer);
    for (const slot of [0, 1]) {
      if (view.getUint32(slot * 512, true) === 0) continue; // slot 0 is blank after formatting
      view.setUint32(slot * 512 + 4, 1, true);
      view.setUint32(slot * 512 + SUPER_BYTES - 4, crc32(block.storage.subarray(slot * 512, slot * 512 + SUPER_BYTES - 4)), true);
    }
    const kv = await LogStore.open(block, { checkpointBytes: 1024 });
    expect(Array.from(await kv.get('a'))).toEqual([1, 2, 3]);
    for (let i = 0; i < 300; i++) await kv.set(`b/${i % 30}`, new Uint8Array(200).fill(i & 0xff));
    expect(kv.stats.checkpoints).toBeGreaterThan(0);
    await kv.close();
    const again = await LogStore.open(block);
    expect(Array.from(await again.get('a'))).toEqual([1, 2, 3]);
    expect((await again.get('b/29'))[0]).toBe(299 & 0xff);
    expect((await again.check()).superblocks.join(' ')).toMatch(/checkpoint at/);
    await again.close();
  });
});
