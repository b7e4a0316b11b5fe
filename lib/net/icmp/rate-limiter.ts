/** A token bucket: `burst` events at once, refilled at `perSecond`; time from the Clock. */
import type { Clock } from '../../devices/clock.ts';

export class RateLimiter {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.lastMs = clock.nowMs();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.clock.nowMs();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastMs) * this.perSecond) / 1000);
    this.lastMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
