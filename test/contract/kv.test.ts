import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kv } from '../../lib/devices/kv.ts';
import type { Block } from '../../lib/devices/block.ts';
import { formatLogStore, LogStore } from '../../lib/kv/log-store.ts';
import { MemoryBlock } from '../../lib/testing/memory-block.ts';
import { MemoryKv } from '../../lib/testing/memory-kv.ts';
import { openFileBlock } from '../../drivers/unix/block.ts';
import { kvContract } from './kv.contract.ts';
import { runContract } from './vitest-adapter.ts';

/** Bytes of the device for a normal and a `small` store. */
const BIG = 4 << 20;
const SMALL = 48 << 10;

runContract('Kv contract: MemoryKv', () =>
  kvContract({
    async create(options = {}) {
      return new MemoryKv(options.small ? { capacity: SMALL } : {});
    },
    async reopen(kv) {
      return (kv as MemoryKv).reopened();
    },
    async cleanup() {},
  }),
);

for (const sectorSize of [512, 4096]) {
  runContract(`Kv contract: LogStore on a MemoryBlock (${sectorSize}-byte sectors)`, () => {
    const devices = new Map<Kv, Uint8Array>();
    return kvContract({
      async create(options = {}) {
        const block = new MemoryBlock({ sectorSize, sectors: (options.small ? SMALL : BIG) / sectorSize });
        await formatLogStore(block);
        const kv = await LogStore.open(block);
        devices.set(kv, block.storage);
        return kv;
      },
      async reopen(kv) {
        const storage = devices.get(kv)!;
        await kv.close();
        const again = await LogStore.open(new MemoryBlock({ sectorSize, storage }));
        devices.set(again, storage);
        return again;
      },
      async cleanup() {
        devices.clear();
      },
    });
  });
}

runContract('Kv contract: LogStore on a unix file', () => {
  const blocks = new Map<Kv, { block: Block; path: string }>();
  const dirs: string[] = [];
  return kvContract({
    async create(options = {}) {
      const dir = await mkdtemp(join(tmpdir(), 'kiln-kv-'));
      dirs.push(dir);
      const path = join(dir, 'disk.img');
      await writeFile(path, new Uint8Array(options.small ? SMALL : BIG));
      const block = await openFileBlock(path);
      await formatLogStore(block);
      const kv = await LogStore.open(block);
      blocks.set(kv, { block, path });
      return kv;
    },
    async reopen(kv) {
      const { block, path } = blocks.get(kv)!;
      await kv.close();
      await block.close();
      const again = await openFileBlock(path);
      const store = await LogStore.open(again);
      blocks.set(store, { block: again, path });
      return store;
    },
    async cleanup() {
      for (const { block } of blocks.values()) await block.close();
      blocks.clear();
      for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
    },
  });
});
