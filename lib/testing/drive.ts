/**
 * Runs a network of stacks on a VirtualSwitch and a VirtualClock until some
 * work completes: deliver every queued frame (microtask delivery), and when
 * the network is quiet, jump the clock to the next timer. Time only moves
 * when nothing else can happen, so tests are exact and fast.
 */
import type { VirtualClock } from './virtual-clock.ts';
import type { VirtualSwitch } from './switch.ts';

export class DriveError extends Error {}

/** Resolves as `work` does, moving time at most `limitMs`; rejects with DriveError if nothing is left to wait for. */
export async function drive<T>(clock: VirtualClock, sw: VirtualSwitch, work: Promise<T>, limitMs = 3_600_000): Promise<T> {
  let done = false;
  work.then(
    () => (done = true),
    () => (done = true),
  );
  const end = clock.nowMs() + limitMs;
  for (;;) {
    await sw.settle();
    if (done) return work;
    const next = clock.nextDeadlineMs();
    if (next === null) throw new DriveError('drive: the work is still pending, but no frame or timer is left');
    if (next > end) throw new DriveError(`drive: the work is still pending after ${limitMs} ms of virtual time`);
    clock.advanceTo(Math.max(next, clock.nowMs()));
  }
}

/** Advances the clock by `ms`, delivering frames between timers. */
export async function driveFor(clock: VirtualClock, sw: VirtualSwitch, ms: number): Promise<void> {
  const end = clock.nowMs() + ms;
  for (;;) {
    await sw.settle();
    const next = clock.nextDeadlineMs();
    if (next === null || next > end) break;
    clock.advanceTo(Math.max(next, clock.nowMs()));
  }
  clock.advanceTo(end);
  await sw.settle();
}
