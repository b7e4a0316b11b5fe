/** Clock over the runtime's Solo5 clocks (TSC-based monotonic, wall from the tender) and its timer heap. */
import type { Clock, Timer } from '../../lib/devices/clock.ts';
import { bindings } from './bindings.ts';

export function createSolo5Clock(): Clock {
  const k = bindings();
  const at = (deadlineMs: number, fn: () => void): Timer => {
    // Absolute, so timers set for the same deadline keep the order they were set in.
    const id = k.timerAt(fn, deadlineMs);
    return { cancel: () => clearTimeout(id) };
  };
  return {
    monotonicNs: () => k.monotonicNs(),
    wallNs: () => k.wallNs(),
    // The native function itself (it ignores `this`): read many times a request, a JavaScript frame around it would cost more than the read.
    nowMs: k.monotonicMs,
    at,
    sleepUntil: (deadlineNs) => new Promise((resolve) => at(Number(deadlineNs) / 1e6, resolve)),
  };
}
