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

export function createUnixClock(): UnixClock {
  const pending = new Set<NodeJS.Timeout>();
  const nowMs = (): number => performance.now();

  const at = (deadlineMs: number, fn: () => void): Timer => {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = (): void => {
      const wait = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(deadlineMs - nowMs())));
      handle = setTimeout(() => {
        pending.delete(handle!);
        // Node's timers run on a millisecond loop clock and may fire a fraction early.
        if (nowMs() < deadlineMs) return arm();
        fn();
      }, wait);
      pending.add(handle);
    };
    arm();
    return {
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        clearTimeout(handle);
        pending.delete(handle!);
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
      for (const handle of pending) clearTimeout(handle);
      pending.clear();
    },
  };
}
