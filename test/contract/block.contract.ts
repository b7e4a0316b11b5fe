/**
 * Contract of the Block signature (lib/devices/block.ts): geometry, whole-
 * sector reads and writes byte-exact, bad requests rejected with a typed
 * error and nothing changed, flush, durability across a reopen, read-only
 * devices, and use after close.
 */
import { BlockError, type Block } from '../../lib/devices/block.ts';
import { assert, assertBytesEqual, assertEqual, assertRejectsWith, using, type ContractCase } from './harness.ts';

export interface BlockGeometry {
  sectorSize: number;
  sectors: number;
}

export interface BlockUnderTest {
  /** A new zero-filled device of the given geometry. */
  create(geometry: BlockGeometry, options?: { readOnly?: boolean }): Promise<Block>;
  /** Closes `block` and opens the same backing store again (what a reboot would see). */
  reopen(block: Block, options?: { readOnly?: boolean }): Promise<Block>;
  /** Removes what `create` made (files...). */
  cleanup(): Promise<void>;
}

/** Bytes whose value depends on position and seed, so misplaced data is caught. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function readAll(block: Block): Promise<Uint8Array> {
  const all = new Uint8Array(block.info.capacity);
  await block.read(0, all);
  return all;
}

export function blockContract(subject: BlockUnderTest): ContractCase[] {
  const geometries: BlockGeometry[] = [
    { sectorSize: 512, sectors: 64 },
    { sectorSize: 4096, sectors: 16 },
  ];
  const onDevice = (open: () => Promise<Block>, body: (block: Block) => Promise<void>) => using(open, body, () => subject.cleanup());
  const withBlock = (geometry: BlockGeometry, body: (block: Block) => Promise<void>) => onDevice(() => subject.create(geometry), body);
  /** A new device that `prepare` wrote on, closed and opened again (with `options`). */
  const reopened = (geometry: BlockGeometry, prepare: (block: Block) => Promise<void>, options?: { readOnly?: boolean }) => async () => {
    const first = await subject.create(geometry);
    await prepare(first);
    return subject.reopen(first, options);
  };
  const cases: ContractCase[] = [];
  for (const g of geometries) {
    const size = g.sectorSize;
    const at = `(${size}-byte sectors)`;
    cases.push(
      {
        name: `reports its geometry ${at}`,
        run: withBlock(g, async (block) => {
          assertEqual(block.info.sectorSize, size, 'sector size');
          assertEqual(block.info.capacity, size * g.sectors, 'capacity');
          assertEqual(block.info.readOnly, false, 'read-only');
        }),
      },
      {
        name: `reads back what it wrote, byte-exact, first, middle and last sectors ${at}`,
        run: withBlock(g, async (block) => {
          const spots = [0, 5 * size, (g.sectors - 3) * size];
          for (const [i, offset] of spots.entries()) await block.write(offset, pattern(3 * size, i + 1));
          for (const [i, offset] of spots.entries()) {
            const back = new Uint8Array(3 * size);
            await block.read(offset, back);
            assertBytesEqual(back, pattern(3 * size, i + 1), `sectors at ${offset}`);
          }
          const untouched = new Uint8Array(size);
          await block.read(10 * size, untouched);
          assertBytesEqual(untouched, new Uint8Array(size), 'a sector never written');
        }),
      },
      {
        name: `the whole device in one request ${at}`,
        run: withBlock(g, async (block) => {
          const data = pattern(block.info.capacity, 7);
          await block.write(0, data);
          assertBytesEqual(await readAll(block), data, 'whole device');
        }),
      },
      {
        name: `misaligned offsets and lengths reject with 'misaligned' and change nothing ${at}`,
        run: withBlock(g, async (block) => {
          await block.write(0, pattern(block.info.capacity, 3));
          const before = await readAll(block);
          const junk = (n: number) => new Uint8Array(n).fill(0xee);
          await assertRejectsWith(block.write(1, junk(size)), BlockError, 'misaligned', 'write at offset 1');
          await assertRejectsWith(block.write(size, junk(size - 1)), BlockError, 'misaligned', 'write of one byte short');
          await assertRejectsWith(block.write(size, junk(size + 1)), BlockError, 'misaligned', 'write of one byte over');
          await assertRejectsWith(block.read(size / 2, new Uint8Array(size)), BlockError, 'misaligned', 'read at half a sector');
          await assertRejectsWith(block.read(0, new Uint8Array(3)), BlockError, 'misaligned', 'read of 3 bytes');
          assertBytesEqual(await readAll(block), before, 'device after refused requests');
        }),
      },
      {
        name: `out-of-range requests reject with 'out-of-range' and change nothing ${at}`,
        run: withBlock(g, async (block) => {
          const cap = block.info.capacity;
          await block.write(0, pattern(cap, 4));
          const before = await readAll(block);
          const junk = new Uint8Array(2 * size).fill(0xee);
          await assertRejectsWith(block.write(cap, junk.subarray(0, size)), BlockError, 'out-of-range', 'write at capacity');
          await assertRejectsWith(block.write(cap - size, junk), BlockError, 'out-of-range', 'write straddling the end');
          await assertRejectsWith(block.write(-size, junk.subarray(0, size)), BlockError, 'out-of-range', 'write at a negative offset');
          await assertRejectsWith(block.read(cap, new Uint8Array(size)), BlockError, 'out-of-range', 'read at capacity');
          await assertRejectsWith(block.read(cap - size, new Uint8Array(2 * size)), BlockError, 'out-of-range', 'read straddling the end');
          await assertRejectsWith(block.read(Number.NaN, new Uint8Array(size)), BlockError, 'out-of-range', 'read at NaN');
          assertBytesEqual(await readAll(block), before, 'device after refused requests');
        }),
      },
      {
        name: `zero-length requests succeed and change nothing ${at}`,
        run: withBlock(g, async (block) => {
          await block.write(size, new Uint8Array(0));
          await block.read(block.info.capacity, new Uint8Array(0));
          assertBytesEqual(await readAll(block), new Uint8Array(block.info.capacity), 'device');
        }),
      },
    );
  }
  const g = geometries[0]!;
  cases.push(
    {
      name: 'reads into and writes from views into larger buffers',
      run: withBlock(g, async (block) => {
        const big = pattern(4 * 512, 9);
        await block.write(512, big.subarray(512, 1536));
        const target = new Uint8Array(4 * 512).fill(0xaa);
        await block.read(512, target.subarray(512, 1536));
        assertBytesEqual(target.subarray(512, 1536), big.subarray(512, 1536), 'data in the view');
        assertBytesEqual(target.subarray(0, 512), new Uint8Array(512).fill(0xaa), 'bytes before the view');
        assertBytesEqual(target.subarray(1536), new Uint8Array(512).fill(0xaa), 'bytes after the view');
      }),
    },
    {
      name: 'concurrent writes to different sectors all land',
      run: withBlock(g, async (block) => {
        await Promise.all(Array.from({ length: g.sectors }, (_, i) => block.write(i * 512, pattern(512, 100 + i))));
        for (let i = 0; i < g.sectors; i++) {
          const back = new Uint8Array(512);
          await block.read(i * 512, back);
          assertBytesEqual(back, pattern(512, 100 + i), `sector ${i}`);
        }
      }),
    },
    {
      name: 'flushed writes survive closing and reopening',
      run: onDevice(
        reopened(g, async (block) => {
          await block.write(16 * 512, pattern(8 * 512, 11));
          await block.flush();
        }),
        async (again) => {
          const back = new Uint8Array(8 * 512);
          await again.read(16 * 512, back);
          assertBytesEqual(back, pattern(8 * 512, 11), 'data after reopening');
        },
      ),
    },
    {
      name: "a read-only device reads but rejects writes with 'read-only', changing nothing",
      run: onDevice(
        reopened(g, (writable) => writable.write(0, pattern(512, 12)), { readOnly: true }),
        async (block) => {
          assert(block.info.readOnly, 'info.readOnly is true');
          await assertRejectsWith(block.write(0, new Uint8Array(512)), BlockError, 'read-only', 'write');
          const back = new Uint8Array(512);
          await block.read(0, back);
          assertBytesEqual(back, pattern(512, 12), 'sector 0');
          await block.flush();
        },
      ),
    },
    {
      name: "every operation after close rejects with 'closed'",
      run: async () => {
        const block = await subject.create(g);
        await block.close();
        await assertRejectsWith(block.read(0, new Uint8Array(512)), BlockError, 'closed', 'read');
        await assertRejectsWith(block.write(0, new Uint8Array(512)), BlockError, 'closed', 'write');
        await assertRejectsWith(block.flush(), BlockError, 'closed', 'flush');
        await block.close();
        await subject.cleanup();
      },
    },
  );
  return cases;
}
