/**
 * The outcomes of this process's pipe operations, in call order, so that a
 * forked child can replay them. On unix a forked child re-runs the app from
 * the start up to its fork call (see fork.ts); while it does, its pipe
 * operations must not touch the pipes again (the parent already did) and
 * must return what they returned in the parent: the bytes each read gave,
 * and which writes and creates failed. The child keeps the replayed journal
 * as the start of its own, because its own children replay it too.
 *
 * The journal holds at most JOURNAL_LIMIT bytes; beyond that it stops
 * recording and a later fork fails with a clear error instead of replaying
 * wrongly.
 */
import { PipeError, type PipeErrorCode } from '../../lib/devices/pipe.ts';

/** Most bytes (data read, plus a small charge per entry) a journal records. */
export const JOURNAL_LIMIT = 1 << 20;
const ENTRY_COST = 16;

export type ReadOutcome = Uint8Array | null | PipeError;

/** A read whose outcome was not known yet when the journal was copied for a child. */
export const PENDING = 'pending';

export type Op = 'write' | 'create';

/** How a journal travels to a child (JSON). */
export interface JournalRecord {
  /** Base64 bytes, null for end of file, [code, message] for an error, or PENDING. */
  reads: (string | null | [PipeErrorCode, string] | typeof PENDING)[];
  /** How many writes and creates the parent had made. */
  calls: Record<Op, number>;
  /** Operations that failed: [op, ordinal, code, message]. */
  failures: [Op, number, PipeErrorCode, string][];
}

type Slot = ReadOutcome | typeof PENDING;

export class PipeJournal {
  private reads: Slot[] = [];
  private failures = new Map<string, PipeError>();
  private counts: Record<Op, number> = { write: 0, create: 0 };
  /** While replaying: the parent's counts, which the replay must reach exactly. */
  private parentCounts: Record<Op, number> = { write: 0, create: 0 };
  private cost = 0;
  private replayedReads = 0;
  /** Set once the journal outgrew JOURNAL_LIMIT and stopped recording. */
  overflowed = false;

  static fromRecord(record: JournalRecord): PipeJournal {
    const j = new PipeJournal();
    j.reads = record.reads.map((r): Slot => {
      if (r === null || r === PENDING) return r;
      if (typeof r === 'string') return new Uint8Array(Buffer.from(r, 'base64'));
      return new PipeError(r[0], r[1]);
    });
    j.parentCounts = { ...record.calls };
    j.cost = j.reads.reduce((sum, r) => sum + ENTRY_COST + (r instanceof Uint8Array ? r.length : 0), 0);
    for (const [op, ordinal, code, message] of record.failures) {
      j.failures.set(`${op}:${ordinal}`, new PipeError(code, message));
    }
    return j;
  }

  toRecord(): JournalRecord {
    return {
      reads: this.reads.map((r) => {
        if (r === null || r === PENDING) return r;
        if (r instanceof PipeError) return [r.code, r.message];
        return Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('base64');
      }),
      calls: { ...this.counts },
      failures: [...this.failures].map(([key, err]) => {
        const [op, ordinal] = key.split(':') as [Op, string];
        return [op, Number(ordinal), err.code, err.message];
      }),
    };
  }

  private charge(bytes: number): boolean {
    if (this.overflowed) return false;
    this.cost += bytes + ENTRY_COST;
    if (this.cost <= JOURNAL_LIMIT) return true;
    this.overflowed = true;
    this.reads = [];
    this.failures.clear();
    return false;
  }

  /** True while a forked child replays its parent's operations, up to its fork point. */
  replaying = false;

  /**
   * Starts a read. While replaying, gives the parent's outcome of the same
   * read, or `live` when the parent's read had not finished at the fork (the
   * child then reads for real, as a copy of the parent would). Otherwise
   * gives `live`, with the function that records the outcome.
   */
  beginRead(): { replayed: ReadOutcome } | { live: (outcome: ReadOutcome) => void } {
    let index: number;
    if (this.replaying) {
      index = this.replayedReads++;
      const slot = this.reads[index];
      if (slot === undefined) {
        throw new PipeError('io', 'fork replay diverged: this child read a pipe more times before its fork point than its parent did (code before fork() must make the same pipe calls in every run)');
      }
      if (slot !== PENDING) return { replayed: slot };
    } else {
      if (!this.charge(0)) return { live: () => {} };
      index = this.reads.length;
      this.reads.push(PENDING);
    }
    return {
      live: (outcome) => {
        if (this.overflowed || (outcome instanceof Uint8Array && !this.charge(outcome.length))) return;
        this.reads[index] = outcome instanceof Uint8Array ? outcome.slice() : outcome;
      },
    };
  }

  /** How the replay differed from the parent in the number of each kind of call (empty when it did not). */
  replayDifferences(): string[] {
    const differences: string[] = [];
    const compare = (what: string, replayed: number, parent: number): void => {
      if (replayed !== parent) differences.push(`${replayed} pipe ${what} against ${parent} in its parent`);
    };
    compare('reads', this.replayedReads, this.reads.length);
    compare('writes', this.counts.write, this.parentCounts.write);
    compare('creates', this.counts.create, this.parentCounts.create);
    return differences;
  }

  /** Numbers the next write or create; returns its ordinal. */
  next(op: Op): number {
    return this.counts[op]++;
  }

  recordFailure(op: Op, ordinal: number, err: PipeError): void {
    if (this.charge(err.message.length)) this.failures.set(`${op}:${ordinal}`, err);
  }

  /** During replay: the error the parent's operation failed with, if it failed. */
  failureOf(op: Op, ordinal: number): PipeError | undefined {
    return this.failures.get(`${op}:${ordinal}`);
  }
}
