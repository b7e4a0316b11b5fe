import { afterEach, describe, expect, it, vi } from 'vitest';
import { createUnixClock } from './clock.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('unix clock', () => {
  it('waits past the longest delay Node timers hold (2^31-1 ms) by re-arming', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    const clock = createUnixClock();
    const deadline = clock.nowMs() + 2 ** 31 + 5000;
    let firedAt: number | null = null;
    clock.at(deadline, () => (firedAt = clock.nowMs()));
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(firedAt).toBeNull();
    vi.advanceTimersByTime(5000);
    expect(firedAt).toBeNull();
    vi.advanceTimersByTime(10);
    expect(firedAt).not.toBeNull();
    expect(firedAt!).toBeGreaterThanOrEqual(deadline);
  });

  it('close() cancels every pending timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const clock = createUnixClock();
    const ran: number[] = [];
    clock.at(clock.nowMs() + 10, () => ran.push(1));
    clock.at(clock.nowMs() + 1e9, () => ran.push(2));
    // One Node timer, for the first deadline, stands for all of the clock's.
    expect(vi.getTimerCount()).toBe(1);
    clock.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(2e9);
    expect(ran).toEqual([]);
  });

  it('monotonicNs and wallNs are in nanoseconds', () => {
    vi.useFakeTimers({ toFake: ['performance', 'Date'], now: 1_767_225_600_000 });
    const clock = createUnixClock();
    const start = clock.monotonicNs();
    vi.advanceTimersByTime(1234);
    expect(clock.monotonicNs() - start).toBe(1_234_000_000n);
    expect(clock.wallNs()).toBe(1_767_225_601_234_000_000n);
  });
});
