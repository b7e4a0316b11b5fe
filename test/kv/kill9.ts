/**
 * kill -9 for real: runs kill9-app.ts on the unix target against a disk
 * file, kills it with SIGKILL at a random moment, reopens the store and
 * checks it against the acknowledgements the app logged, then goes on with
 * the same disk. Shared by the test (a short run) and the soak benchmark.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleApp } from '../../cli/bundle.ts';
import { openFileBlock } from '../../drivers/unix/block.ts';
import type { Kv } from '../../lib/devices/kv.ts';
import { LogStore } from '../../lib/kv/log-store.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';
import { decodeUtf8 } from '../../lib/text/utf8.ts';
import { applyKill9Op, type Kill9Op } from './kill9-ops.ts';

export interface Kill9Result {
  iterations: number;
  /** Operations acknowledged before a kill, over all iterations. */
  acked: number;
  /** Acknowledged operations not found after a restart: must be 0. */
  lost: number;
  /** Kills that came while an operation was in flight, and how many of those were found applied. */
  inFlight: number;
  inFlightApplied: number;
  problems: string[];
}

async function contents(kv: Kv): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await kv.list(dir)) {
      if (e.kind === 'dictionary') await walk(e.key);
      else out.set(e.key, decodeUtf8(await kv.get(e.key)));
    }
  };
  await walk('');
  return out;
}

const same = (a: Map<string, string>, b: Map<string, string>): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

async function waitForReady(log: string, child: { exitCode: number | null }): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (readFileSync(log, 'utf8').includes('ready\n')) return;
    if (child.exitCode !== null) throw new Error(`the workload exited (${child.exitCode}) before it was ready:\n${readFileSync(log, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the workload did not get ready within 12 s');
}

export async function runKill9(iterations: number, seed = 1, onIteration?: (i: number, r: Kill9Result) => void): Promise<Kill9Result> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-kill9-'));
  const result: Kill9Result = { iterations: 0, acked: 0, lost: 0, inFlight: 0, inFlightApplied: 0, problems: [] };
  try {
    const bundle = join(dir, 'kill9.mjs');
    await bundleApp(join(import.meta.dirname, 'kill9-app.ts'), 'unix', bundle);
    const disk = join(dir, 'disk.img');
    writeFileSync(disk, new Uint8Array(4 << 20));
    const random = new SeededRandom(seed);
    const model = new Map<string, string>();
    for (let i = 0; i < iterations; i++) {
      const log = join(dir, 'acks.log');
      const fd = openSync(log, 'w');
      const child = spawn(process.execPath, [bundle, `--seed=${seed * 100_000 + i}`], {
        stdio: ['ignore', fd, 'pipe'],
        env: { ...process.env, KILN_BLOCK_STORAGE: disk },
      });
      closeSync(fd);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await waitForReady(log, child);
      await new Promise((r) => setTimeout(r, 5 + (random.nextU32() % 200)));
      child.kill('SIGKILL');
      await exited;
      if (child.signalCode !== 'SIGKILL') result.problems.push(`iteration ${i}: the workload ended by itself: ${stderr}`);

      let pending: Kill9Op | null = null;
      // A line the kill cut short (no newline yet) is dropped: its operation never started.
      const lines = readFileSync(log, 'utf8').split('\n').slice(0, -1);
      for (const line of lines.map((l) => l.replace(/^\[info\] /, ''))) {
        if (line.startsWith('op ')) pending = JSON.parse(line.slice(3)) as Kill9Op;
        else if (line.startsWith('ack ') || line.startsWith('refused ')) {
          const applied = applyKill9Op(model, pending!);
          if (applied !== line.startsWith('ack ')) result.problems.push(`iteration ${i}: operation ${pending!.n}: the model and the store disagree on refusing it`);
          if (applied) result.acked++;
          pending = null;
        }
      }
      const block = await openFileBlock(disk);
      const kv = await LogStore.open(block);
      const found = await contents(kv);
      if (pending) result.inFlight++;
      const withPending = new Map(model);
      if (same(found, model)) {
        // the operation in flight, if any, did not land
      } else if (pending && applyKill9Op(withPending, pending) && same(found, withPending)) {
        result.inFlightApplied++;
        applyKill9Op(model, pending);
      } else {
        const missing = [...model].filter(([k, v]) => found.get(k) !== v).map(([k]) => k);
        result.lost += missing.length;
        result.problems.push(`iteration ${i}: the store differs from the acknowledged state (keys ${missing.join(', ') || 'extra ones'})`);
        model.clear();
        for (const [k, v] of found) model.set(k, v);
      }
      const check = await kv.check();
      if (!check.ok) result.problems.push(`iteration ${i}: check: ${check.problems.join('; ')}`);
      await kv.close();
      await block.close();
      result.iterations++;
      onIteration?.(i, result);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
