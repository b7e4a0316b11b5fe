/**
 * The key-value store (lib/kv) on a disk file, on Node (native figures,
 * the unix Block driver), against SQLite (better-sqlite3, WAL) and plain
 * files, on the same file system, in the same run:
 *
 * - durable sets of 100-byte values, one at a time (each resolves once
 *   durable), vs SQLite `synchronous=FULL` (one autocommit INSERT each) and
 *   a file per key written and fdatasync'ed (and its directory fsync'ed);
 *   and the same from 16 writers at once (Kiln's group commit; SQLite and
 *   the files, synchronous, still commit each alone);
 * - non-durable sets vs SQLite `synchronous=NORMAL` and files without sync;
 * - random gets of keys written before vs SQLite SELECTs and file reads.
 *
 * Every side first does WARM_UP operations untimed (keys of their own for
 * sets), so both are measured warmed.
 *
 * The issue's goals: durable writes/s and reads/s at least 1.0x SQLite.
 */
import { createRequire } from 'node:module';
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Benchmark, BenchCase, Side } from '../benchmark.ts';
import { openFileBlock } from '../../drivers/unix/block.ts';
import { formatLogStore, LogStore } from '../../lib/kv/log-store.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';
import { ROOT } from '../../test/platform/build.ts';

const VALUE_BYTES = 100;
/** A real disk's file system (os.tmpdir() may be tmpfs, where a sync costs nothing). */
const WORK = join(ROOT, 'build', 'bench-kv');

interface Database {
  pragma(text: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): { run(...args: unknown[]): unknown; get(...args: unknown[]): unknown };
  transaction(fn: () => void): () => void;
  close(): void;
}
type DatabaseConstructor = new (path: string) => Database;

function loadSqlite(): DatabaseConstructor | string {
  try {
    const Db = createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
    new Db(':memory:').close(); // loads the native binding
    return Db;
  } catch (err) {
    return `better-sqlite3 with its native binding (npm ci, then sh cli/setup.sh builds it): ${(err as Error).message.split('\n')[0]}`;
  }
}

const values = (n: number): Uint8Array[] => {
  const r = new SeededRandom(n);
  return Array.from({ length: n }, () => {
    const v = new Uint8Array(VALUE_BYTES);
    r.fill(v);
    return v;
  });
};
const keyOf = (i: number): string => `k${i}`;
/** Operations each side does untimed first, so that the timed ones run warmed (V8's compiled code, SQLite's and the host's caches). */
const WARM_UP = 1000;
const warmKey = (i: number): string => `warm-${i}`;

/** Runs `body` in a fresh directory; returns operations per second of the part `body` times. */
async function inFreshDir(body: (dir: string) => Promise<number>): Promise<number> {
  mkdirSync(WORK, { recursive: true });
  const dir = mkdtempSync(join(WORK, 'run-'));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The store on a disk image written out in full first, as a VM's disk is
 * (a write into a hole of a sparse file makes the next fdatasync write the
 * file's block map too), and with bytes that are not zeros, as a used disk
 * holds: SQLite's WAL, once past its first checkpoint, writes over blocks
 * it wrote before, and on this host a sync of a block that held zeros costs
 * some 10 us more (the virtual disk stores zero blocks thinly; measured:
 * 512-byte write + fdatasync, median 99 us over zeros, 88 over data).
 */
async function kilnStore(dir: string, nonDurable: boolean): Promise<{ kv: LogStore; close(): Promise<void> }> {
  const path = join(dir, 'disk.img');
  const file = await open(path, 'w');
  const used = new Uint8Array(1 << 20).fill(0xa5);
  for (let mb = 0; mb < 160; mb++) await file.write(used);
  await file.sync();
  await file.close();
  const block = await openFileBlock(path);
  await formatLogStore(block);
  const kv = await LogStore.open(block, { nonDurable });
  return { kv, close: async () => (await kv.close(), await block.close()) };
}

function sqlite(Db: DatabaseConstructor, dir: string, synchronous: 'FULL' | 'NORMAL'): Database {
  const db = new Db(join(dir, 'kv.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID');
  return db;
}

function putFile(dir: string, key: string, value: Uint8Array, durable: boolean): void {
  const fd = openSync(join(dir, key), 'w');
  writeSync(fd, value);
  if (durable) fdatasyncSync(fd);
  closeSync(fd);
}

/** Sets of `n` values, `writers` at a time (each set awaited by its writer), as Kiln or SQLite or plain files do them. */
function setSides(Db: DatabaseConstructor, n: number, durable: boolean, writers = 1): { kiln: Side; baseline: Side; extra: Side } {
  const data = values(n);
  return {
    kiln: {
      name: `Kiln kv, ${durable ? 'durable' : 'non-durable'}${writers > 1 ? `, ${writers} writers` : ''}`,
      measure: () =>
        inFreshDir(async (dir) => {
          const { kv, close } = await kilnStore(dir, !durable);
          for (let i = 0; i < WARM_UP; i++) await kv.set(warmKey(i), data[i % n]!);
          const start = performance.now();
          await Promise.all(
            Array.from({ length: writers }, async (_, w) => {
              for (let i = w; i < n; i += writers) await kv.set(keyOf(i), data[i]!);
            }),
          );
          const seconds = (performance.now() - start) / 1000;
          await close();
          return n / seconds;
        }),
    },
    baseline: {
      name: `SQLite WAL synchronous=${durable ? 'FULL' : 'NORMAL'}`,
      measure: () =>
        inFreshDir(async (dir) => {
          const db = sqlite(Db, dir, durable ? 'FULL' : 'NORMAL');
          const put = db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
          for (let i = 0; i < WARM_UP; i++) put.run(warmKey(i), data[i % n]!);
          const start = performance.now();
          for (let i = 0; i < n; i++) put.run(keyOf(i), data[i]!);
          const seconds = (performance.now() - start) / 1000;
          db.close();
          return n / seconds;
        }),
    },
    extra: {
      name: `a file per key${durable ? ', fdatasync + directory fsync' : ', no sync'}`,
      measure: () =>
        inFreshDir(async (dir) => {
          const dirFd = openSync(dir, 'r');
          for (let i = 0; i < WARM_UP; i++) putFile(dir, warmKey(i), data[i % n]!, durable);
          const start = performance.now();
          for (let i = 0; i < n; i++) {
            putFile(dir, keyOf(i), data[i]!, durable);
            if (durable) fsyncSync(dirFd);
          }
          const seconds = (performance.now() - start) / 1000;
          closeSync(dirFd);
          return n / seconds;
        }),
    },
  };
}

function getSides(Db: DatabaseConstructor, n: number, gets: number): { kiln: Side; baseline: Side; extra: Side } {
  const data = values(n);
  const order = (): number[] => {
    const r = new SeededRandom(gets);
    return Array.from({ length: gets }, () => r.nextU32() % n);
  };
  const check = (got: Uint8Array | Buffer | undefined, i: number): void => {
    if (!got || got.length !== VALUE_BYTES || got[0] !== data[i]![0]) throw new Error(`read of ${keyOf(i)} returned the wrong value`);
  };
  return {
    kiln: {
      name: 'Kiln kv get',
      measure: () =>
        inFreshDir(async (dir) => {
          const { kv, close } = await kilnStore(dir, true);
          for (let i = 0; i < n; i++) await kv.set(keyOf(i), data[i]!);
          await kv.sync();
          const keys = order();
          for (const i of keys.slice(0, WARM_UP)) check(await kv.get(keyOf(i)), i);
          const start = performance.now();
          for (const i of keys) check(await kv.get(keyOf(i)), i);
          const seconds = (performance.now() - start) / 1000;
          await close();
          return gets / seconds;
        }),
    },
    baseline: {
      name: 'SQLite SELECT',
      measure: () =>
        inFreshDir(async (dir) => {
          const db = sqlite(Db, dir, 'NORMAL');
          const put = db.prepare('INSERT INTO kv (k, v) VALUES (?, ?)');
          db.transaction(() => data.forEach((v, i) => put.run(keyOf(i), v)))();
          const get = db.prepare('SELECT v FROM kv WHERE k = ?');
          const keys = order();
          for (const i of keys.slice(0, WARM_UP)) check((get.get(keyOf(i)) as { v: Buffer } | undefined)?.v, i);
          const start = performance.now();
          for (const i of keys) check((get.get(keyOf(i)) as { v: Buffer } | undefined)?.v, i);
          const seconds = (performance.now() - start) / 1000;
          db.close();
          return gets / seconds;
        }),
    },
    extra: {
      name: 'a file per key, read',
      measure: () =>
        inFreshDir(async (dir) => {
          data.forEach((v, i) => putFile(dir, keyOf(i), v, false));
          const keys = order();
          for (const i of keys.slice(0, WARM_UP)) check(readFileSync(join(dir, keyOf(i))), i);
          const start = performance.now();
          for (const i of keys) check(readFileSync(join(dir, keyOf(i))), i);
          return gets / ((performance.now() - start) / 1000);
        }),
    },
  };
}

export const kvBenchmark: Benchmark = {
  name: 'kv',
  title: 'Key-value store on a disk file, 100-byte values, on Node (native): Kiln kv vs SQLite (better-sqlite3, WAL) and a file per key',
  unit: 'ops/s',
  better: 'higher',
  async missing() {
    const Db = loadSqlite();
    return typeof Db === 'string' ? Db : null;
  },
  async cases(mode) {
    const Db = loadSqlite() as DatabaseConstructor;
    const durable = mode.quick ? 300 : 10_000;
    const plain = mode.quick ? 5_000 : 100_000;
    const gets = mode.quick ? 10_000 : 100_000;
    const cases: BenchCase[] = [
      { label: `${durable} durable sets`, ...setSides(Db, durable, true) },
      // As an HTTP service sees them: Kiln groups writes made together into one flush;
      // better-sqlite3 is synchronous, so each of its commits is alone whatever the callers do.
      { label: `${durable} durable sets, 16 writers at once`, ...setSides(Db, durable, true, 16) },
      { label: `${plain} non-durable sets`, ...setSides(Db, plain, false) },
      { label: `${gets} random gets of ${plain} keys`, ...getSides(Db, plain, gets) },
    ];
    return cases;
  },
};
