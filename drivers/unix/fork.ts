/**
 * Fork on unix. Node cannot copy a JavaScript heap, so a fork starts the same
 * program again (`process.execPath` with `process.execArgv` and
 * `process.argv.slice(1)`) as a new Node process, and the child replays the
 * app from its first line up to the fork call it was made by (its "fork
 * point"), then goes on live. What the child sees, precisely:
 *
 * - Its n-th `fork()` call returns `{ role: 'child' }` when its parent made
 *   it at the parent's n-th call. Earlier calls return what they returned in
 *   the parent: `{ role: 'parent', child }` with a handle to that sibling
 *   (`id` is its pid; `wait()` resolves with its exit status if the parent
 *   already knew it at the fork, and otherwise rejects with
 *   `ForkError('unsupported')`, as a copy cannot wait for its parent's
 *   children), `{ role: 'child' }` where the parent was itself the child, or
 *   the same ForkError. Fork calls after the fork point are real forks, so
 *   nested forks work.
 * - Pipes: the replayed `create()` calls return the parent's pipes, whose
 *   ends that were open at the fork are inherited descriptors (shared with
 *   the parent, as after POSIX fork); ends the parent had closed come back
 *   closed. Replayed reads return the bytes the parent's reads returned and
 *   replayed writes write nothing (the parent wrote them), so the pipes are
 *   untouched until the fork point. A read the parent had not finished at
 *   the fork becomes a real read in the child. The parent keeps at most 1 MiB
 *   of such read history; past that, fork() fails with
 *   `ForkError('unsupported')` rather than replay wrongly. Bytes that the
 *   parent's reader had taken from the kernel but not yet handed to the app
 *   (a read with a small `max`) are not seen by the child.
 * - Output: while replaying, the app's Console device is muted (through
 *   `setReplaying`), so the child does not print the parent's lines again;
 *   its output starts at its fork point. Writes straight to process.stdout
 *   are not muted.
 * - Everything else must be deterministic before a fork: the replay re-runs
 *   the code, so a branch on the clock, random bytes or the network may take
 *   another path. A child whose replay leaves the parent's path (it exits
 *   before its fork point, or reaches it with other pipe calls) prints why,
 *   exits with status 70 and counts as crashed.
 *
 * The parent's `wait()` resolves once the child has exited: `crashed` is
 * true when it died of a signal, of an uncaught error, or when the platform
 * reported a crash through `crashed()`; it learns of these through a status
 * channel (descriptor 3 in the child). A parent process does not end before
 * its children: it stays until they exit. At most `maxChildren` children are
 * alive at once; further forks fail with `ForkError('limit')`.
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { ForkError, type Child, type ExitStatus, type Fork, type ForkResult } from '../../lib/devices/fork.ts';
import {
  CRASH_MARK,
  FORK_ENV,
  processLineage,
  type EndRecord,
  type ForkRecord,
  type Lineage,
  type ReplayScript,
} from './fork-lineage.ts';
import type { Inheritable } from './pipe-ends.ts';
import { createFdPair } from './pipe-fifo.ts';

export const DEFAULT_MAX_CHILDREN = 16;

export interface UnixForkOptions {
  /** Mutes (true) or unmutes (false) the app's console while a forked child replays up to its fork point. */
  setReplaying?(on: boolean): void;
  /** Most children alive at once (default 16); more fork() calls fail with ForkError('limit'). */
  maxChildren?: number;
}

export interface UnixFork extends Fork {
  /**
   * The platform calls this when the app crashed (start threw or rejected):
   * a forked child then reports `crashed: true` to the parent waiting for it.
   * Harmless in a process that is not a forked child.
   */
  crashed(): void;
}

/** Children alive, over every Fork device of this process. */
let liveChildren = 0;

function replayed(record: ForkRecord): ForkResult {
  if ('error' in record) throw new ForkError(record.error, record.message);
  if (record.role === 'child') return { role: 'child' };
  const { id, status } = record;
  return {
    role: 'parent',
    child: {
      id,
      wait: () =>
        status
          ? Promise.resolve(status)
          : Promise.reject(
              new ForkError('unsupported', `child ${id} belongs to this process's parent, which had not seen it exit when it forked this process; a forked copy cannot wait for it`),
            ),
    },
  };
}

interface Spawned {
  child: Child;
  exited: Promise<ExitStatus>;
}

/** Starts the child process: the replay script, the status channel and the inherited pipe ends. */
async function spawnChild(lineage: Lineage, call: number): Promise<Spawned> {
  const status = await createFdPair().catch((err: Error) => {
    throw new ForkError('failed', `cannot create the child's status channel: ${err.message}`);
  });
  const stdio: StdioOptions = ['inherit', 'inherit', 'inherit', status.writeFd];
  const pass = (end: Inheritable): EndRecord => ('fd' in end ? stdio.push(end.fd) - 1 : end.state);
  const script: ReplayScript = {
    version: 1,
    forks: [...lineage.forks.slice(0, call - 1), { role: 'child' }],
    pipes: [...lineage.pipes].map(([ordinal, { reader, writer }]) => [ordinal, pass(reader.inheritable()), pass(writer.inheritable())]),
    journal: lineage.journal.toRecord(),
  };
  // The child removes the script's directory once it has read it; the parent does when the child exits.
  const scriptDir = mkdtempSync(join(tmpdir(), 'kiln-fork-'));
  const scriptPath = join(scriptDir, 'replay.json');
  writeFileSync(scriptPath, JSON.stringify(script), { mode: 0o600 });

  const proc = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio,
    env: { ...process.env, [FORK_ENV]: scriptPath },
  });
  closeSync(status.writeFd);
  const statusReader = new Socket({ fd: status.readFd, readable: true, writable: false });
  let crashMarked = false;
  statusReader.on('data', (bytes: Buffer) => {
    if (bytes.includes(CRASH_MARK)) crashMarked = true;
  });
  // The channel closes when the child has exited; an error means the same.
  const channelClosed = new Promise<void>((resolve) => statusReader.on('close', () => resolve()).on('error', () => {}));
  const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => proc.once('exit', (code, signal) => resolve([code, signal])));

  try {
    await new Promise<void>((resolve, reject) => proc.once('spawn', resolve).once('error', reject));
  } catch (err) {
    statusReader.destroy();
    rmSync(scriptDir, { recursive: true, force: true });
    throw new ForkError('failed', `cannot start the child process: ${(err as Error).message}`);
  }
  const exited = Promise.all([exit, channelClosed]).then(([[code, signal]]): ExitStatus => {
    rmSync(scriptDir, { recursive: true, force: true });
    return { code: signal !== null || code === null ? 255 : code, crashed: signal !== null || crashMarked };
  });
  return { child: { id: proc.pid!, wait: () => exited }, exited };
}

export function createUnixFork(options: UnixForkOptions = {}): UnixFork {
  const maxChildren = options.maxChildren ?? DEFAULT_MAX_CHILDREN;
  if (!Number.isSafeInteger(maxChildren) || maxChildren < 1) {
    throw new RangeError(`createUnixFork: maxChildren must be a positive integer, got ${String(maxChildren)}`);
  }
  const lineage = processLineage();
  if (options.setReplaying) lineage.onReplay(options.setReplaying);

  return {
    async fork(): Promise<ForkResult> {
      const call = ++lineage.forkCalls;
      if (call < lineage.forkPoint) return replayed(lineage.forks[call - 1]!);
      if (call === lineage.forkPoint) {
        lineage.endReplay();
        return { role: 'child' };
      }
      const fail = (err: ForkError): never => {
        lineage.forks[call - 1] = { error: err.code, message: err.message };
        throw err;
      };
      // Reserve this call's place in the history before anything asynchronous happens.
      lineage.forks[call - 1] = { error: 'failed', message: 'the fork was still starting when this copy was made' };
      if (liveChildren >= maxChildren) {
        fail(new ForkError('limit', `${liveChildren} children are alive, the most this process may have (maxChildren ${maxChildren})`));
      }
      if (lineage.journal.overflowed) {
        fail(new ForkError('unsupported', 'this process read more from pipes before forking than a unix fork can replay in the child (1 MiB); fork before reading, or read in the children'));
      }
      // Counted from now, so that forks started together cannot pass the limit.
      liveChildren++;
      let spawned: Spawned;
      try {
        spawned = await spawnChild(lineage, call);
      } catch (err) {
        liveChildren--;
        return fail(err instanceof ForkError ? err : new ForkError('failed', (err as Error).message));
      }
      const record = { role: 'parent' as const, id: spawned.child.id, status: null as ExitStatus | null };
      lineage.forks[call - 1] = record;
      void spawned.exited.then((status) => {
        liveChildren--;
        record.status = status;
      });
      return { role: 'parent', child: spawned.child };
    },
    crashed: () => lineage.reportCrash(),
  };
}
