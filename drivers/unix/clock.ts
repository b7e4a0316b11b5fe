/**
 * Clock over the host's clocks: the monotonic clock is Node's global
 * `performance.now()` (the same source as `process.hrtime`, fractional
 * milliseconds since the process started), the wall clock is `Date.now()`
 * (millisecond resolution, follows the host's time changes).
 */
import type { Clock, Timer } from '../../lib/devices/clock.ts';

/** Node's timers hold at most a signed 32-bit millisecond delay; longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface UnixClock extends Clock {
  /** Cancels every pending timer, so nothing keeps the process alive once the app is done. */
  close(): void;
}

interface Entry {
  deadlineMs: number;
  fn: () => void;
}

export function createUnixClock(): UnixClock {
  const nowMs = (): number => performance.now();
  // Timers in deadline order, ties in the order they were set, behind one
  // Node timer for the first: Node's own timers may fire a fraction early, and
  // re-arming one of them would let a later-set timer of the same deadline
  // overtake it.
  const queue: Entry[] = [];
  let handle: NodeJS.Timeout | undefined;

  const arm = (): void => {
    clearTimeout(handle);
    handle = undefined;
    const first = queue[0];
    if (!first) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(first.deadlineMs - nowMs())));
    handle = setTimeout(fire, wait);
  };

  function fire(): void {
    handle = undefined;
    const now = nowMs();
    let due = 0;
    while (due < queue.length && queue[due]!.deadlineMs <= now) due++;
    const run = queue.splice(0, due);
    arm();
    for (const entry of run) entry.fn();
  }

  const at = (deadlineMs: number, fn: () => void): Timer => {
    const entry: Entry = { deadlineMs, fn };
    // After every entry due at or before this one: ties keep their order.
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (queue[mid]!.deadlineMs <= deadlineMs) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, entry);
    if (lo === 0) arm();
    return {
      cancel: () => {
        const i = queue.indexOf(entry);
        if (i < 0) return;
        queue.splice(i, 1);
        if (i === 0) arm();
      },
    };
  };

  return {
    nowMs,
    monotonicNs: () => BigInt(Math.round(nowMs() * 1e6)),
    wallNs: () => BigInt(Date.now()) * 1_000_000n,
    at,
    sleepUntil: (deadlineNs) => new Promise((resolve) => at(Number(deadlineNs) / 1e6, resolve)),
    close: () => {
      queue.length = 0;
      arm();
    },
  };
}
