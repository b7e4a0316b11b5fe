/**
 * blkread: the TypeScript side of the block benchmark, the same work as
 * platform-solo5/bench/blkread.c: `--count=N` reads of one 512-byte sector
 * at consecutive offsets (wrapping at capacity) from `storage`, each awaited
 * through the Block device as an app would, timed with the monotonic clock:
 *   reads=N elapsed_ns=T
 */
import { block, defineApp, parseArgs } from '../../lib/index.ts';

const SECTOR = 512;

export default defineApp({
  name: 'blkread',
  devices: { storage: block() },
  async start({ devices, args, clock, console }) {
    const { count } = parseArgs(args, { count: { type: 'int', min: 1, max: 1_000_000_000, default: 100_000, help: 'reads to time' } });
    const storage = devices.storage;
    if (storage.info.sectorSize !== SECTOR) {
      console.error(`blkread: storage has ${storage.info.sectorSize}-byte sectors; the benchmark reads ${SECTOR}-byte ones`);
      return 2;
    }
    const sectors = storage.info.capacity / SECTOR;
    const buffer = new Uint8Array(SECTOR);
    const start = clock.monotonicNs();
    for (let i = 0; i < count; i++) await storage.read((i % sectors) * SECTOR, buffer);
    console.write(`reads=${count} elapsed_ns=${clock.monotonicNs() - start}`);
    return 0;
  },
});
