/**
 * Power loss at every write: a workload of a few hundred operations runs on
 * a CrashBlock that cuts the power after its n-th write, for every n, and
 * each cut is restarted with several seeds (a different subset of the
 * unflushed sectors survives, in a different order, one sector torn). After
 * mounting again the store must hold exactly the state after some prefix of
 * the operations that covers every acknowledged one (so nothing acknowledged
 * is lost and nothing unacknowledged is half there), check clean, and take
 * writes again.
 */
import { describe, expect, it } from 'vitest';
import type { Kv } from '../devices/kv.ts';
import { crc32 } from '../crc32.ts';
import { CrashBlock } from '../testing/crash-block.ts';
import { MemoryKv } from '../testing/memory-kv.ts';
import { SeededRandom } from '../testing/seeded-random.ts';
import { formatLogStore, LogStore } from './log-store.ts';

type Op = (kv: Kv) => Promise<void>;
/** Operations fired together (without waiting between them). */
type Step = Op[];

function workload(seed: number, steps: number): Step[] {
  const r = new SeededRandom(seed);
  const n = (max: number) => r.nextU32() % max;
  const key = () => `d${n(3)}/k${n(8)}`;
  const value = () => {
    const v = new Uint8Array([0, 1, 20, 200, 700, 1500][n(6)]!);
    for (let i = 0; i < v.length; i++) v[i] = n(256);
    return v;
  };
  const plain = (): Op => {
    const k = key();
    switch (n(6)) {
      case 0:
        return (kv) => kv.remove(k);
      case 1: {
        const writes = Array.from({ length: 2 + n(3) }, () => (n(4) === 0 ? { op: 'remove' as const, key: key() } : { op: 'set' as const, key: key(), value: value() }));
        return (kv) => kv.batch(writes);
      }
      case 2: {
        const dir = `d${n(3)}`;
        return (kv) => kv.remove(dir);
      }
      default: {
        const v = value();
        return (kv) => kv.set(k, v);
      }
    }
  };
  return Array.from({ length: steps }, (): Step => {
    switch (n(10)) {
      case 0: {
        const [a, b] = [key(), key()];
        return [(kv) => kv.rename(a, b)];
      }
      case 1: {
        const [k, off, d] = [key(), n(600), value().subarray(0, 300)];
        return [(kv) => kv.setPartial(k, off, d)];
      }
      case 2:
        return [plain(), plain(), plain()];
      default:
        return [plain()];
    }
  });
}

/** The store's contents as one string: key, size and CRC of every value. */
async function fingerprint(kv: Kv): Promise<string> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await kv.list(dir)) {
      if (e.kind === 'dictionary') await walk(e.key);
      else {
        const v = await kv.get(e.key);
        out.push(`${e.key}:${v.length}:${crc32(v)}`);
      }
    }
  };
  await walk('');
  return out.join(' ');
}

/** Runs `steps`; returns how many operations were acknowledged in a row from the first, and how many were started. */
async function run(kv: Kv, steps: Step[]): Promise<{ acked: number; started: number; failures: unknown[] }> {
  let acked = 0;
  let started = 0;
  let gap = false;
  const failures: unknown[] = [];
  for (const step of steps) {
    started += step.length;
    const results = await Promise.allSettled(step.map((op) => op(kv)));
    let stop = false;
    for (const res of results) {
      const io = res.status === 'rejected' && (res.reason as { code?: string }).code === 'io';
      if (io) stop = true;
      else if (res.status === 'rejected') failures.push(res.reason);
      if (io) gap = true;
      else if (!gap) acked++;
    }
    if (stop) break;
  }
  return { acked, started, failures };
}

/** Fingerprints of the reference store after each operation (index i: after the first i). */
async function referenceStates(steps: Step[]): Promise<string[]> {
  const kv = new MemoryKv();
  const states = [await fingerprint(kv)];
  for (const step of steps) {
    for (const op of step) {
      await op(kv).catch(() => undefined);
      states.push(await fingerprint(kv));
    }
  }
  return states;
}

/** `checkpointBytes` small makes index checkpoints frequent, so cuts fall inside them too. */
async function freshStore(sectorSize: number, sectors: number, nonDurable: boolean, checkpointBytes?: number): Promise<{ block: CrashBlock; kv: LogStore }> {
  const block = new CrashBlock({ sectorSize, sectors });
  await formatLogStore(block, { storeId: 42, now: () => 1.7e12 });
  return { block, kv: await LogStore.open(block, { nonDurable, checkpointBytes }) };
}

describe.each([
  { sectorSize: 512, sectors: 128, steps: 400, seeds: 3, nonDurable: false, checkpointBytes: undefined },
  { sectorSize: 512, sectors: 128, steps: 400, seeds: 3, nonDurable: false, checkpointBytes: 1 },
  { sectorSize: 4096, sectors: 24, steps: 120, seeds: 2, nonDurable: false, checkpointBytes: 1 },
  // Without durability nothing acknowledged is promised, but what survives is still a prefix.
  { sectorSize: 512, sectors: 64, steps: 200, seeds: 2, nonDurable: true, checkpointBytes: 1 },
])('LogStore crash at every write ($sectorSize-byte sectors, $sectors sectors, non-durable: $nonDurable, checkpoints from $checkpointBytes bytes of log)', ({ sectorSize, sectors, steps, seeds, nonDurable, checkpointBytes }) => {
  const plan = workload(sectorSize, steps);

  it('survives power loss after every write, with several seeds each', async () => {
    const states = await referenceStates(plan);
    const clean = await freshStore(sectorSize, sectors, nonDurable, checkpointBytes);
    const writesBefore = clean.block.writes;
    const whole = await run(clean.kv, plan);
    // Every refusal the store gives (not-found...) is one the reference gives too: states match at the end.
    expect(whole.failures.filter((e) => (e as { code?: string }).code === 'no-space')).toEqual([]);
    expect(await fingerprint(clean.kv)).toBe(states.at(-1));
    const total = clean.block.writes - writesBefore;
    expect(total).toBeGreaterThan(steps / 2);
    // The log went round its area several times: the cleaner ran.
    expect((await clean.kv.check()).generation).toBeGreaterThan(5);
    // With small checkpointBytes, checkpoints were written several times (and the cuts below fall in them).
    if (checkpointBytes !== undefined) expect(clean.kv.stats.checkpoints).toBeGreaterThan(3);
    let cuts = 0;
    for (let n = 1; n <= total; n++) {
      for (let seed = 1; seed <= seeds; seed++) {
        const { block, kv } = await freshStore(sectorSize, sectors, nonDurable, checkpointBytes);
        block.crashAfterWrites(n);
        const { acked, started } = await run(kv, plan);
        const image = block.survivor(new SeededRandom(n * 1000 + seed));
        const restarted = new CrashBlock({ sectorSize, image });
        const again = await LogStore.open(restarted);
        const found = await fingerprint(again);
        const candidates = states.slice(nonDurable ? 0 : acked, started + 1);
        if (!candidates.includes(found)) {
          throw new Error(`crash after write ${n}, seed ${seed}: state matches no prefix from ${acked} (acknowledged) to ${started} (started)`);
        }
        const report = await again.check();
        if (!report.ok) throw new Error(`crash after write ${n}, seed ${seed}: check found ${report.problems.join('; ')}`);
        // Still writable, and what it writes stays.
        await again.set('after/crash', new Uint8Array([n & 0xff]));
        await again.close();
        const third = await LogStore.open(new CrashBlock({ sectorSize, image: restarted.snapshot() }));
        expect((await third.get('after/crash'))[0]).toBe(n & 0xff);
        cuts++;
      }
    }
    expect(cuts).toBe(total * seeds);
    console.info(`kv crash test (${sectorSize}-byte sectors, non-durable: ${nonDurable}): ${plan.flat().length} operations, ${total} writes (${clean.kv.stats.checkpoints} index checkpoints), ${cuts} power cuts recovered`);
  }, 240_000);
});
