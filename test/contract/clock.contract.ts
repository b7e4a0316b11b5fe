/**
 * Contract of the Clock signature (lib/devices/clock.ts). A subject comes
 * with a way to let time pass: a real clock waits, a virtual one is advanced
 * by the test. Cases check order and deadlines, never how long things took.
 */
import { sleep, type Clock } from '../../lib/devices/clock.ts';
import { assert, assertEqual, type ContractCase } from './harness.ts';

export interface ClockUnderTest {
  clock: Clock;
  /** Lets at least `ms` of the clock's time pass, running the timers that fall due. */
  pass(ms: number): Promise<void>;
}

/**
 * A subject on real time, for the clocks of real drivers: time passes by
 * waiting on a second, independent clock of the same kind; then timers due
 * at that instant, and the promise callbacks they started, get their turn.
 */
export function realTimeSubject(create: () => Clock): ClockUnderTest {
  const clock = create();
  const waiter = create();
  return {
    clock,
    pass: async (ms) => {
      await sleep(waiter, ms);
      await new Promise((resolve) => setTimeout(resolve, 0));
      await new Promise((resolve) => setTimeout(resolve, 1));
    },
  };
}

/** 2001-09-09 in ns since the epoch: any sane wall clock is past it. */
const WALL_FLOOR_NS = 1_000_000_000_000_000_000n;

export function clockContract(make: () => ClockUnderTest): ContractCase[] {
  return [
    {
      name: 'the monotonic clock never goes backwards and moves as time passes',
      run: async () => {
        const { clock, pass } = make();
        let last = clock.monotonicNs();
        for (let i = 0; i < 1000; i++) {
          const now = clock.monotonicNs();
          assert(now >= last, `monotonicNs went from ${last} to ${now}`);
          last = now;
        }
        await pass(5);
        assert(clock.monotonicNs() - last >= 5_000_000n, 'monotonicNs moved by at least 5 ms after 5 ms passed');
      },
    },
    {
      name: 'nowMs is the monotonic clock in milliseconds',
      run: async () => {
        const { clock, pass } = make();
        await pass(3);
        const before = clock.monotonicNs();
        const ms = clock.nowMs();
        const after = clock.monotonicNs();
        // One microsecond of slack for the rounding between float milliseconds and integer nanoseconds.
        assert(ms * 1e6 >= Number(before) - 1e3, `nowMs ${ms} is before monotonicNs ${before}`);
        assert(ms * 1e6 <= Number(after) + 1e3, `nowMs ${ms} is after monotonicNs ${after}`);
      },
    },
    {
      name: 'the wall clock is nanoseconds since the epoch and moves with time',
      run: async () => {
        const { clock, pass } = make();
        const start = clock.wallNs();
        assert(start > WALL_FLOOR_NS, `wallNs ${start} is not a plausible time since the epoch`);
        await pass(20);
        assert(clock.wallNs() > start, 'wallNs moved after 20 ms passed');
      },
    },
    {
      name: 'at() runs a timer once, not before its deadline',
      run: async () => {
        const { clock, pass } = make();
        const deadline = clock.nowMs() + 10;
        const firedAt: number[] = [];
        clock.at(deadline, () => firedAt.push(clock.nowMs()));
        await pass(30);
        assertEqual(firedAt.length, 1, 'times the timer ran');
        assert(firedAt[0]! >= deadline, `timer ran at ${firedAt[0]}, before its deadline ${deadline}`);
      },
    },
    {
      name: 'timers run in deadline order, ties in the order they were set',
      run: async () => {
        const { clock, pass } = make();
        const now = clock.nowMs();
        const order: string[] = [];
        clock.at(now + 12, () => order.push('c'));
        clock.at(now + 4, () => order.push('a'));
        clock.at(now + 8, () => order.push('b1'));
        clock.at(now + 8, () => order.push('b2'));
        await pass(30);
        assertEqual(order.join(','), 'a,b1,b2,c', 'order');
      },
    },
    {
      name: 'a cancelled timer never runs; cancelling twice or after running is harmless',
      run: async () => {
        const { clock, pass } = make();
        const ran: string[] = [];
        const cancelled = clock.at(clock.nowMs() + 5, () => ran.push('cancelled'));
        const kept = clock.at(clock.nowMs() + 5, () => ran.push('kept'));
        cancelled.cancel();
        cancelled.cancel();
        await pass(20);
        kept.cancel();
        assertEqual(ran.join(','), 'kept', 'timers that ran');
      },
    },
    {
      name: 'a timer set by a running timer runs when due',
      run: async () => {
        const { clock, pass } = make();
        const ran: number[] = [];
        clock.at(clock.nowMs() + 2, () => {
          ran.push(1);
          clock.at(clock.nowMs() + 2, () => ran.push(2));
        });
        // The inner deadline depends on when the outer timer ran, so let time pass in steps (bounded).
        for (let step = 0; step < 100 && ran.length < 2; step++) await pass(2);
        assertEqual(ran.join(','), '1,2', 'timers that ran');
      },
    },
    {
      name: 'a deadline in the past runs at the next chance',
      run: async () => {
        const { clock, pass } = make();
        await pass(5);
        let ran = false;
        clock.at(clock.nowMs() - 1000, () => (ran = true));
        await pass(0);
        assert(ran, 'timer with a past deadline ran');
      },
    },
    {
      name: 'sleepUntil resolves once the monotonic clock reaches the deadline',
      run: async () => {
        const { clock, pass } = make();
        const deadline = clock.monotonicNs() + 7_000_000n;
        let wokeAt: bigint | null = null;
        void clock.sleepUntil(deadline).then(() => (wokeAt = clock.monotonicNs()));
        await pass(25);
        assert(wokeAt !== null, 'sleepUntil resolved');
        assert(wokeAt! >= deadline, `woke at ${wokeAt}, before the deadline ${deadline}`);
        let pastWoke = false;
        void clock.sleepUntil(clock.monotonicNs() - 1n).then(() => (pastWoke = true));
        await pass(0);
        assert(pastWoke, 'sleepUntil of a past deadline resolved');
      },
    },
    {
      name: 'sleep(clock, ms) resolves after at least ms',
      run: async () => {
        const { clock, pass } = make();
        const start = clock.nowMs();
        let woke: number | null = null;
        void sleep(clock, 6).then(() => (woke = clock.nowMs()));
        await pass(25);
        assert(woke !== null, 'sleep resolved');
        assert(woke! - start >= 6, `slept ${woke! - start} ms, asked for 6`);
      },
    },
  ];
}
