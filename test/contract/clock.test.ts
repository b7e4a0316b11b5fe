import { sleep } from '../../lib/devices/clock.ts';
import { VirtualClock } from '../../lib/testing/virtual-clock.ts';
import { createUnixClock } from '../../drivers/unix/clock.ts';
import { clockContract } from './clock.contract.ts';
import { runContract } from './vitest-adapter.ts';

runContract('Clock contract: unix', () =>
  clockContract(() => {
    const clock = createUnixClock();
    // Real time passes by waiting on a second, independent clock.
    const waiter = createUnixClock();
    return {
      clock,
      pass: async (ms) => {
        await sleep(waiter, ms);
        // Let timers due at the same instant, and promise callbacks they started, run first.
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    };
  }),
);

runContract('Clock contract: VirtualClock', () =>
  clockContract(() => {
    const clock = new VirtualClock();
    return {
      clock,
      pass: async (ms) => {
        clock.advance(ms);
        // Let promise callbacks of the timers that ran settle.
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
  }),
);
