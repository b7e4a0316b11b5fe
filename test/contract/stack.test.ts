import { createUnixClock } from '../../drivers/unix/clock.ts';
import { createUnixStack } from '../../drivers/unix/stack.ts';
import { createStack } from '../../lib/net/stack.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';
import { VirtualSwitch } from '../../lib/testing/switch.ts';
import type { Stack } from '../../lib/devices/stack.ts';
import { stackContract, type StackPair } from './stack.contract.ts';
import { runContract } from './vitest-adapter.ts';

/** Two stacks on the host's time: `pass` waits for real; `close` closes both, then runs `after`. */
function hostTimePair(a: Stack, b: Stack, addressOfA: string, addressOfB: string, after = (): void => {}): StackPair {
  return {
    a,
    b,
    addressOfA,
    addressOfB,
    pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      after();
    },
  };
}

runContract('Stack contract: unix host sockets on loopback', () =>
  stackContract({
    icmp: false,
    async pair() {
      return hostTimePair(createUnixStack(), createUnixStack(), '127.0.0.1', '127.0.0.1');
    },
  }),
);

// Kiln's TypeScript stack: two stacks on the in-memory switch, on the host's
// clock so that its timers (delayed ACK, retransmission) run by themselves.
runContract('Stack contract: the TypeScript stack over the in-memory switch', () =>
  stackContract({
    icmp: true,
    async pair() {
      const clock = createUnixClock();
      const sw = new VirtualSwitch();
      const a = await createStack({ net: sw.attach(), clock, random: new SeededRandom(11), config: { args: ['--ipv4=10.0.0.2/24'] } });
      const b = await createStack({ net: sw.attach(), clock, random: new SeededRandom(12), config: { args: ['--ipv4=10.0.0.3/24'] } });
      return hostTimePair(a, b, '10.0.0.2', '10.0.0.3', () => clock.close());
    },
  }),
);
