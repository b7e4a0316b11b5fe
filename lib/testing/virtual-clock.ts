import type { Clock, Timer } from '../devices/clock.ts';

interface Scheduled {
  deadlineMs: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A Clock that only moves when the test moves it. Timers fire in deadline
 * order (ties in scheduling order) as `advance`/`advanceTo` pass them; a
 * timer scheduled by a firing timer fires in the same call if it is due.
 * While a timer for deadline D runs, `nowMs()` reads at least D: time is
 * kept in the milliseconds timers are given in, so no rounding through
 * nanoseconds can make a due timer look early.
 */
export class VirtualClock implements Clock {
  private now: number;
  private wallOriginNs: bigint;
  private timers: Scheduled[] = [];
  private seq = 0;

  constructor(options: { startMs?: number; wallNs?: bigint } = {}) {
    this.now = options.startMs ?? 0;
    this.wallOriginNs = options.wallNs ?? 1_700_000_000_000_000_000n;
  }

  /** Rounded up, so a `sleepUntil(ns)` that has fired reads at least `ns`. */
  monotonicNs(): bigint {
    return BigInt(Math.ceil(this.now * 1e6));
  }

  wallNs(): bigint {
    return this.wallOriginNs + this.monotonicNs();
  }

  nowMs(): number {
    return this.now;
  }

  at(deadlineMs: number, fn: () => void): Timer {
    const entry: Scheduled = { deadlineMs, seq: this.seq++, fn, cancelled: false };
    this.timers.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  sleepUntil(deadlineNs: bigint): Promise<void> {
    return new Promise((resolve) => this.at(Number(deadlineNs) / 1e6, resolve));
  }

  /** Number of timers still waiting. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Deadline of the earliest waiting timer, or null. */
  nextDeadlineMs(): number | null {
    let best: number | null = null;
    for (const t of this.timers) if (!t.cancelled && (best === null || t.deadlineMs < best)) best = t.deadlineMs;
    return best;
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.nowMs() + ms);
  }

  /** Moves time to `deadlineMs` (never backwards), firing every timer due on the way, in order. */
  advanceTo(deadlineMs: number): void {
    for (;;) {
      const next = this.popDue(deadlineMs);
      if (!next) break;
      this.now = Math.max(this.now, next.deadlineMs);
      next.fn();
    }
    this.now = Math.max(this.now, deadlineMs);
  }

  private popDue(limitMs: number): Scheduled | null {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let best = -1;
    for (let i = 0; i < this.timers.length; i++) {
      const t = this.timers[i]!;
      if (t.deadlineMs > limitMs) continue;
      const b = best < 0 ? null : this.timers[best]!;
      if (!b || t.deadlineMs < b.deadlineMs || (t.deadlineMs === b.deadlineMs && t.seq < b.seq)) best = i;
    }
    if (best < 0) return null;
    return this.timers.splice(best, 1)[0]!;
  }
}
