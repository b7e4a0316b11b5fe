import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Block } from '../../lib/devices/block.ts';
import { MemoryBlock } from '../../lib/testing/memory-block.ts';
import { openFileBlock } from '../../drivers/unix/block.ts';
import { blockContract, type BlockGeometry } from './block.contract.ts';
import { runContract } from './vitest-adapter.ts';

runContract('Block contract: unix file', () => {
  const files = new Map<Block, { path: string; sectorSize: number }>();
  const dirs: string[] = [];
  return blockContract({
    async create(g: BlockGeometry, options = {}) {
      const dir = await mkdtemp(join(tmpdir(), 'kiln-block-'));
      dirs.push(dir);
      const path = join(dir, 'disk.img');
      await writeFile(path, new Uint8Array(g.sectorSize * g.sectors));
      const block = await openFileBlock(path, { sectorSize: g.sectorSize, ...options });
      files.set(block, { path, sectorSize: g.sectorSize });
      return block;
    },
    async reopen(block, options = {}) {
      const file = files.get(block)!;
      await block.close();
      const again = await openFileBlock(file.path, { sectorSize: file.sectorSize, ...options });
      files.set(again, file);
      return again;
    },
    async cleanup() {
      for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
      files.clear();
    },
  });
});

runContract('Block contract: MemoryBlock', () => {
  const stores = new Map<Block, { storage: Uint8Array; sectorSize: number }>();
  return blockContract({
    async create(g, options = {}) {
      const block = new MemoryBlock({ sectorSize: g.sectorSize, sectors: g.sectors, ...options });
      stores.set(block, { storage: block.storage, sectorSize: g.sectorSize });
      return block;
    },
    async reopen(block, options = {}) {
      const store = stores.get(block)!;
      await block.close();
      const again = new MemoryBlock({ ...store, ...options });
      stores.set(again, store);
      return again;
    },
    async cleanup() {
      stores.clear();
    },
  });
});
