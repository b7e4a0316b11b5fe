/** A scheduled callback; `cancel()` is idempotent. */
export interface Timer {
  cancel(): void;
}

/**
 * Clock: monotonic and wall-clock time, and timers.
 *
 * - `monotonicNs()` never goes backwards; its origin is arbitrary (boot).
 * - `wallNs()` is nanoseconds since the Unix epoch, and may jump.
 * - `nowMs()` is the monotonic clock in milliseconds as a float: protocol
 *   code uses it for timers, where a BigInt per packet would cost too much.
 * - `at(deadlineMs, fn)` runs `fn` once `nowMs() >= deadlineMs`.
 * - `sleepUntil(deadlineNs)` resolves once the monotonic clock reaches the
 *   deadline; a deadline in the past resolves at once.
 *
 * Library code takes a Clock as a parameter and never reads a global clock,
 * so tests can drive time exactly with `VirtualClock`.
 */
export interface Clock {
  monotonicNs(): bigint;
  wallNs(): bigint;
  nowMs(): number;
  at(deadlineMs: number, fn: () => void): Timer;
  sleepUntil(deadlineNs: bigint): Promise<void>;
}

/** Sleeps for `ms` milliseconds of the given clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.at(clock.nowMs() + ms, resolve);
  });
}
