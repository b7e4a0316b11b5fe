import { VirtualClock } from '../../lib/testing/virtual-clock.ts';
import { createUnixClock } from '../../drivers/unix/clock.ts';
import { clockContract, realTimeSubject } from './clock.contract.ts';
import { runContract } from './vitest-adapter.ts';

runContract('Clock contract: unix', () => clockContract(() => realTimeSubject(createUnixClock)));

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
