/**
 * This process's place in a tree of unix forks: the state that the Pipes and
 * Fork devices share, and the replay a forked child performs.
 *
 * A forked child is a new Node process running the app from the start. Its
 * parent hands it a replay script (a JSON file named by the KILN_FORK
 * environment variable) saying what the parent's calls returned up to the
 * fork: each earlier fork() outcome, which pipe ends were open (passed as
 * inherited descriptors) and the pipe journal. The file is alone in a
 * directory of its own, which the child removes once it has read it. Until
 * the child's own fork call (its "fork point") it replays: fork() and pipe
 * operations return the parent's outcomes and touch nothing. From the fork
 * point on it is live.
 */
import { closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ForkError, type ExitStatus, type ForkErrorCode } from '../../lib/devices/fork.ts';
import type { EndState, UnixPipeReader, UnixPipeWriter } from './pipe-ends.ts';
import { PipeJournal, type JournalRecord } from './pipe-journal.ts';

export const FORK_ENV = 'KILN_FORK';
/** Descriptor of the status channel in a child; its pipe ends follow from FIRST_PIPE_FD. */
export const STATUS_FD = 3;
export const FIRST_PIPE_FD = 4;
/** What a child whose replay failed exits with (EX_SOFTWARE). */
export const REPLAY_FAILED_EXIT = 70;
/** The byte a child writes to its status channel when it crashed. */
export const CRASH_MARK = 0x43;

/** The outcome of one fork() call, as a child replays it. */
export type ForkRecord =
  | { role: 'child' }
  | { role: 'parent'; id: number; status: ExitStatus | null }
  | { error: ForkErrorCode; message: string };

/** An end in a replay script: the descriptor number it has in the child, or why it has none. */
export type EndRecord = number | EndState;

export interface ReplayScript {
  version: 1;
  /** Outcomes of the parent's fork calls before this child's, then `{ role: 'child' }`. */
  forks: ForkRecord[];
  /** Pipes with an end open at the fork: [create ordinal, read end, write end]. */
  pipes: [number, EndRecord, EndRecord][];
  journal: JournalRecord;
}

/** An inherited end, ready for the replayed create() that made it in the parent. */
export type InheritedEnd = { fd: number } | { state: EndState };

export interface PipeSlot {
  reader: UnixPipeReader;
  writer: UnixPipeWriter;
}

export class Lineage {
  readonly journal: PipeJournal;
  /** Outcomes of every fork() call of this process so far (replayed ones included). */
  readonly forks: ForkRecord[];
  /** The fork call that returns the child marker (1-based); 0 in the first process. */
  readonly forkPoint: number;
  forkCalls = 0;
  /** Pipes with an end not yet closed, by create ordinal: what a fork passes on. */
  readonly pipes = new Map<number, PipeSlot>();
  /** Inherited ends not yet claimed by a replayed create(). */
  readonly inherited: Map<number, [InheritedEnd, InheritedEnd]>;
  /** Where to report a crash to the parent; null in the first process. */
  readonly statusFd: number | null;
  private readonly replayListeners = new Set<(on: boolean) => void>();
  private crashReported = false;

  constructor(script: ReplayScript | null, inherited: Map<number, [InheritedEnd, InheritedEnd]>, statusFd: number | null) {
    this.journal = script ? PipeJournal.fromRecord(script.journal) : new PipeJournal();
    this.forks = script ? [...script.forks] : [];
    this.forkPoint = this.forks.length;
    this.journal.replaying = script !== null;
    this.inherited = inherited;
    this.statusFd = statusFd;
    if (statusFd !== null) {
      process.on('uncaughtExceptionMonitor', () => this.reportCrash());
      process.on('exit', () => this.checkReplayEnded());
    }
  }

  get replaying(): boolean {
    return this.journal.replaying;
  }

  /** Calls `listener(true)` now if replaying, and `listener(false)` at the fork point. */
  onReplay(listener: (on: boolean) => void): void {
    if (!this.replaying) return;
    this.replayListeners.add(listener);
    listener(true);
  }

  /** Ends the replay at the fork point; throws (after reporting a crash) if the replay did not follow the parent. */
  endReplay(): void {
    const problems = this.journal.replayDifferences();
    if (this.inherited.size > 0) {
      problems.push(`pipe(s) #${[...this.inherited.keys()].join(', #')} of its parent not re-created`);
      // Nothing here will ever use those ends: held open, they would keep the parent from seeing EOF or EPIPE.
      for (const end of [...this.inherited.values()].flat()) if ('fd' in end) closeSync(end.fd);
      this.inherited.clear();
    }
    this.journal.replaying = false;
    for (const listener of this.replayListeners) listener(false);
    this.replayListeners.clear();
    if (problems.length > 0) {
      this.reportCrash();
      throw new ForkError('failed', `fork replay diverged: this child reached its fork point with ${problems.join('; ')} (on unix, code before fork() must make the same device calls in every run)`);
    }
  }

  /** Tells the parent (if any) that this process crashed. */
  reportCrash(): void {
    if (this.statusFd === null || this.crashReported) return;
    this.crashReported = true;
    try {
      writeSync(this.statusFd, new Uint8Array([CRASH_MARK]));
    } catch {
      // The parent is gone: nobody is waiting for this status.
    }
  }

  private checkReplayEnded(): void {
    if (!this.replaying) return;
    writeSync(2, `kiln fork: this child exited before reaching its fork point (fork call #${this.forkPoint}); the app took another path than in its parent (on unix, code before fork() must make the same device calls in every run)\n`);
    this.reportCrash();
    process.exitCode = REPLAY_FAILED_EXIT;
  }
}

function readScript(path: string): ReplayScript {
  let script: ReplayScript;
  try {
    script = JSON.parse(readFileSync(path, 'utf8')) as ReplayScript;
    rmSync(dirname(path), { recursive: true, force: true });
  } catch (err) {
    throw new ForkError('failed', `cannot read the fork replay script ${path} (${FORK_ENV}): ${(err as Error).message}`);
  }
  const last = Array.isArray(script.forks) ? script.forks[script.forks.length - 1] : undefined;
  if (script.version !== 1 || !last || !('role' in last) || last.role !== 'child' || !Array.isArray(script.pipes)) {
    throw new ForkError('failed', `${path} (${FORK_ENV}) is not a Kiln fork replay script of version 1`);
  }
  return script;
}

function inheritedEnds(script: ReplayScript): Map<number, [InheritedEnd, InheritedEnd]> {
  const end = (record: EndRecord): InheritedEnd => (typeof record === 'number' ? { fd: record } : { state: record });
  return new Map(script.pipes.map(([ordinal, reader, writer]) => [ordinal, [end(reader), end(writer)]]));
}

let current: Lineage | null = null;

/** This process's lineage, read from the environment on first use (which also removes KILN_FORK from it). */
export function processLineage(): Lineage {
  if (current) return current;
  const path = process.env[FORK_ENV];
  delete process.env[FORK_ENV];
  if (!path) {
    current = new Lineage(null, new Map(), null);
    return current;
  }
  const script = readScript(path);
  current = new Lineage(script, inheritedEnds(script), STATUS_FD);
  return current;
}
