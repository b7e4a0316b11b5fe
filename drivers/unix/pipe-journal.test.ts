import { describe, expect, it } from 'vitest';
import { PipeError } from '../../lib/devices/pipe.ts';
import { JOURNAL_LIMIT, PipeJournal, type ReadOutcome } from './pipe-journal.ts';

/** Records `outcome` as one live read of `journal`. */
function recordRead(journal: PipeJournal, outcome: ReadOutcome | 'unfinished'): void {
  const read = journal.beginRead();
  if (!('live' in read)) throw new Error('expected a live read');
  if (outcome !== 'unfinished') read.live(outcome);
}

/** What the parent's journal gives a child replaying it (through JSON, as a fork does). */
function childOf(parent: PipeJournal): PipeJournal {
  const child = PipeJournal.fromRecord(JSON.parse(JSON.stringify(parent.toRecord())));
  child.replaying = true;
  return child;
}

describe('PipeJournal', () => {
  it("replays the parent's reads in order: bytes, end of file, errors, and unfinished reads as live", () => {
    const parent = new PipeJournal();
    recordRead(parent, new Uint8Array([1, 2, 3]));
    recordRead(parent, null);
    recordRead(parent, new PipeError('closed', 'read from a closed pipe end'));
    recordRead(parent, 'unfinished');
    const child = childOf(parent);
    expect(child.beginRead()).toEqual({ replayed: new Uint8Array([1, 2, 3]) });
    expect(child.beginRead()).toEqual({ replayed: null });
    const failed = child.beginRead();
    expect('replayed' in failed && failed.replayed).toBeInstanceOf(PipeError);
    expect('replayed' in failed && (failed.replayed as PipeError).code).toBe('closed');
    expect('live' in child.beginRead()).toBe(true);
    expect(child.replayDifferences()).toEqual([]);
  });

  it('a recorded read keeps a copy: later changes to the buffer do not reach the child', () => {
    const parent = new PipeJournal();
    const bytes = new Uint8Array([9]);
    recordRead(parent, bytes);
    bytes[0] = 0;
    expect(childOf(parent).beginRead()).toEqual({ replayed: new Uint8Array([9]) });
  });

  it('replays which writes and creates failed, by their order', () => {
    const parent = new PipeJournal();
    parent.next('write');
    const second = parent.next('write');
    parent.recordFailure('write', second, new PipeError('broken-pipe', 'EPIPE'));
    parent.next('create');
    const child = childOf(parent);
    expect(child.failureOf('write', child.next('write'))).toBeUndefined();
    expect(child.failureOf('write', child.next('write'))?.code).toBe('broken-pipe');
    expect(child.replayDifferences()).toEqual(['0 pipe creates against 1 in its parent']);
    child.next('create');
    expect(child.replayDifferences()).toEqual([]);
  });

  it('a replay that reads more than its parent did fails, naming the divergence', () => {
    const child = childOf(new PipeJournal());
    expect(() => child.beginRead()).toThrow(/fork replay diverged/);
  });

  it('stops recording past its limit and says so', () => {
    const parent = new PipeJournal();
    recordRead(parent, new Uint8Array(JOURNAL_LIMIT / 2));
    expect(parent.overflowed).toBe(false);
    recordRead(parent, new Uint8Array(JOURNAL_LIMIT / 2));
    expect(parent.overflowed).toBe(true);
    expect(parent.toRecord().reads).toEqual([]);
  });
});
