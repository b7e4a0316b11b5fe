/**
 * contract: the Block, Clock, Console, Random and Kv contract suites run
 * inside an hvt image against the solo5 drivers (Kv: lib/kv's store on
 * them). One line per case:
 *   PASS suite: name  |  FAIL suite: name: message
 * then `SUMMARY passed=P failed=F`; the exit status is 1 when a case failed.
 * Every case applies on hvt: none is skipped.
 *
 * Block devices are real devices attached by the tender, one per device the
 * suite creates (a used device is never handed out twice, so "a new
 * zero-filled device" is one): BLOCK_POOL names them and their geometry, and
 * the test that boots the image makes a zero-filled file for each. Reopening
 * opens the same Solo5 device again through the driver. Durability across a
 * real reboot is checked by a second boot: the first run writes a pattern to
 * the `persist` device, `--check-persisted` boots again over the same file
 * and reads it back.
 */
import { consoleOver } from '../../lib/devices/console.ts';
import { block, defineApp, parseArgs, type Block, type Clock, type Console } from '../../lib/index.ts';
import { bindings } from '../../drivers/solo5/bindings.ts';
import { openSolo5Block } from '../../drivers/solo5/block.ts';
import { createSolo5Clock } from '../../drivers/solo5/clock.ts';
import { createSolo5Console } from '../../drivers/solo5/console.ts';
import { createSolo5Random } from '../../drivers/solo5/random.ts';
import { blockContract, pattern, type BlockGeometry } from '../contract/block.contract.ts';
import { clockContract, realTimeSubject } from '../contract/clock.contract.ts';
import { consoleContract } from '../contract/console.contract.ts';
import type { ContractCase } from '../contract/harness.ts';
import { randomContract } from '../contract/random.contract.ts';
import { kvContract } from '../contract/kv.contract.ts';
import type { Kv } from '../../lib/devices/kv.ts';
import { formatLogStore, LogStore } from '../../lib/kv/index.ts';

export interface PooledDevice extends BlockGeometry {
  name: string;
}

const pool = (prefix: string, count: number, geometry: BlockGeometry): PooledDevice[] =>
  Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}`, ...geometry }));

/** The kv contract makes 11 stores of 1 MiB and one small one (48 KiB). */
const KV_POOL: PooledDevice[] = [...pool('kv', 11, { sectorSize: 512, sectors: 2048 }), ...pool('kvsmall', 1, { sectorSize: 512, sectors: 96 })];

/** The block contract creates 11 devices of 512-byte sectors and 6 of 4096 (a few spare); then the kv pool. */
export const BLOCK_POOL: PooledDevice[] = [
  ...pool('sml', 12, { sectorSize: 512, sectors: 64 }),
  ...pool('big', 7, { sectorSize: 4096, sectors: 16 }),
  ...KV_POOL,
];

/** Written by the first boot, read back by a second boot over the same file. */
export const PERSIST_DEVICE: PooledDevice = { name: 'persist', sectorSize: 512, sectors: 64 };
const PERSIST_OFFSET = 16 * 512;
const PERSIST_SEED = 2026;

/** Suites by name, as the lines print them. */
export type SuiteName = 'block' | 'clock' | 'console' | 'random' | 'kv';

/** A case that has not settled in this long fails (and the loop does not end while it waits). */
const CASE_TIMEOUT_MS = 60_000;

function blockSubject(devices: Record<string, Block>) {
  const unused = [...BLOCK_POOL];
  const names = new Map<Block, string>();
  return blockContract({
    async create(g, options = {}) {
      const i = unused.findIndex((d) => d.sectorSize === g.sectorSize && d.sectors === g.sectors);
      if (i < 0) throw new Error(`no unused block device of ${g.sectors} x ${g.sectorSize} B left: add to BLOCK_POOL`);
      const [device] = unused.splice(i, 1);
      const opened = devices[device!.name]!;
      if (opened.info.sectorSize !== g.sectorSize || opened.info.capacity !== g.sectorSize * g.sectors) {
        throw new Error(`device '${device!.name}' is ${opened.info.capacity} B in ${opened.info.sectorSize}-byte sectors, expected ${g.sectors} x ${g.sectorSize}`);
      }
      const created = options.readOnly ? await reopenAs(opened, device!.name, options) : opened;
      names.set(created, device!.name);
      return created;
    },
    async reopen(b, options = {}) {
      const name = names.get(b);
      if (name === undefined) throw new Error('reopen of a block device this subject did not create');
      return reopenAs(b, name, options);
    },
    async cleanup() {
      // Every device is used once; nothing to remove.
    },
  });
  async function reopenAs(b: Block, name: string, options: { readOnly?: boolean }): Promise<Block> {
    await b.close();
    const again = openSolo5Block(name, options);
    names.set(again, name);
    return again;
  }
}

function kvSubject(devices: Record<string, Block>) {
  const unused = [...KV_POOL];
  const names = new Map<Kv, string>();
  return kvContract({
    async create(options = {}) {
      const i = unused.findIndex((d) => d.name.startsWith('kvsmall') === (options.small ?? false));
      if (i < 0) throw new Error('no unused kv device left: add to KV_POOL');
      const [device] = unused.splice(i, 1);
      await formatLogStore(devices[device!.name]!);
      const kv = await LogStore.open(devices[device!.name]!);
      names.set(kv, device!.name);
      return kv;
    },
    async reopen(kv) {
      const name = names.get(kv);
      if (name === undefined) throw new Error('reopen of a store this subject did not create');
      await kv.close();
      const again = await LogStore.open(openSolo5Block(name));
      names.set(again, name);
      return again;
    },
    async cleanup() {
      // Every device is used once; nothing to remove.
    },
  });
}

function clockSubject() {
  return clockContract(() => realTimeSubject(createSolo5Clock));
}

/**
 * The solo5 console writes through `__kiln.write`. Each call on a subject's
 * console records what it hands that binding (and still passes it on, so the
 * lines also reach the tender's console, where the host test looks for them).
 */
function consoleSubject() {
  const k = bindings();
  return consoleContract((minLevel) => {
    const lines: string[] = [];
    const real = createSolo5Console(minLevel);
    const recorded =
      <A extends unknown[]>(call: (...args: A) => void) =>
      (...args: A): void => {
        const write = k.write;
        k.write = (data) => {
          lines.push(String(data).replace(/\n$/, ''));
          write.call(k, data);
        };
        try {
          call(...args);
        } finally {
          k.write = write;
        }
      };
    const console: Console = {
      write: recorded(real.write),
      log: recorded(real.log),
      debug: recorded(real.debug),
      info: recorded(real.info),
      warn: recorded(real.warn),
      error: recorded(real.error),
    };
    return { console, lines: () => lines };
  });
}

export function suites(devices: Record<string, Block>): Record<SuiteName, ContractCase[]> {
  return {
    block: blockSubject(devices),
    clock: clockSubject(),
    console: consoleSubject(),
    random: randomContract(createSolo5Random()),
    kv: kvSubject(devices),
  };
}

function withTimeout(run: Promise<void>, clock: Clock): Promise<void> {
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = clock.at(clock.nowMs() + CASE_TIMEOUT_MS, () => reject(new Error(`did not settle in ${CASE_TIMEOUT_MS} ms`)));
  });
  return Promise.race([run, timeout]).finally(() => timer?.cancel());
}

/** Runs every case of every suite, one line each, then the summary; 1 when a case failed. */
export async function runSuites<S extends string>(all: Record<S, ContractCase[]>, clock: Clock, out: Console): Promise<number> {
  let passed = 0;
  let failed = 0;
  for (const [suite, cases] of Object.entries(all) as [S, ContractCase[]][]) {
    for (const c of cases) {
      try {
        await withTimeout(c.run(), clock);
        out.write(`PASS ${suite}: ${c.name}`);
        passed++;
      } catch (err) {
        out.write(`FAIL ${suite}: ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
        failed++;
      }
    }
  }
  out.write(`SUMMARY passed=${passed} failed=${failed}`);
  return failed === 0 ? 0 : 1;
}

async function persistCase(storage: Block, check: boolean, out: Console): Promise<number> {
  const name = check ? 'a second boot reads what the first wrote and flushed' : 'write and flush for the second boot';
  const data = pattern(8 * 512, PERSIST_SEED);
  try {
    if (check) {
      const back = new Uint8Array(data.length);
      await storage.read(PERSIST_OFFSET, back);
      const differs = back.findIndex((x, i) => x !== data[i]);
      if (differs >= 0) throw new Error(`byte ${differs} is ${back[differs]}, expected ${data[differs]}`);
    } else {
      await storage.write(PERSIST_OFFSET, data);
      await storage.flush();
    }
    out.write(`PASS persist: ${name}`);
    return 0;
  } catch (err) {
    out.write(`FAIL persist: ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

const declared = Object.fromEntries([...BLOCK_POOL, PERSIST_DEVICE].map((d) => [d.name, block(d.name)]));

export default defineApp({
  name: 'contract',
  devices: declared,
  async start({ devices, args, clock }) {
    const { 'check-persisted': checkPersisted } = parseArgs(args, {
      'check-persisted': { type: 'flag', help: 'only read back what a previous boot wrote to the persist device' },
    });
    // Results go straight to the console binding, apart from the console under test.
    const out = consoleOver((line) => bindings().write(`${line}\n`));
    const blocks = devices as Record<string, Block>;
    const persisted = await persistCase(blocks[PERSIST_DEVICE.name]!, checkPersisted, out);
    if (checkPersisted) return persisted;
    return Math.max(persisted, await runSuites(suites(blocks), clock, out));
  },
});
