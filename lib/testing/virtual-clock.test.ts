import { describe, expect, it } from 'vitest';
import { VirtualClock } from './virtual-clock.ts';

describe('VirtualClock', () => {
  it('reads at least a timer\'s deadline while the timer runs, for deadlines that are not whole nanoseconds', () => {
    const clock = new VirtualClock({ startMs: 1000.1 });
    const seen: [number, number][] = [];
    for (const deadline of [1000.1 + 0.2, 1234.5678901234, 3600000.0000001, 1e9 / 3]) {
      clock.at(deadline, () => seen.push([deadline, clock.nowMs()]));
    }
    clock.advanceTo(1e9);
    expect(seen).toHaveLength(4);
    for (const [deadline, now] of seen) expect(now).toBeGreaterThanOrEqual(deadline);
  });

  it('reads at least the nanosecond deadline once sleepUntil resolves', async () => {
    const clock = new VirtualClock({ startMs: 0.3 });
    const deadlines = [1n, 333_333_333n, 1_000_000_000_007n, clock.monotonicNs() + 1n];
    for (const ns of deadlines) {
      const slept = clock.sleepUntil(ns).then(() => clock.monotonicNs());
      clock.advanceTo(Number(ns) / 1e6);
      expect(await slept).toBeGreaterThanOrEqual(ns);
    }
  });

  it('fires in deadline order, ties in scheduling order, and timers scheduled by a firing timer in the same call', () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.at(5, () => order.push('b'));
    clock.at(2, () => {
      order.push('a');
      clock.at(3, () => order.push('a2'));
    });
    clock.at(5, () => order.push('c'));
    clock.at(9, () => order.push('late')).cancel();
    clock.advance(10);
    expect(order).toEqual(['a', 'a2', 'b', 'c']);
    expect(clock.pending()).toBe(0);
  });

  it('never moves backwards', () => {
    const clock = new VirtualClock({ startMs: 50 });
    clock.advanceTo(10);
    expect(clock.nowMs()).toBe(50);
    expect(clock.monotonicNs()).toBe(50_000_000n);
    expect(clock.wallNs() - clock.monotonicNs()).toBe(new VirtualClock().wallNs());
  });
});
