import { createUnixClock } from '../../drivers/unix/clock.ts';
import { createUnixStack } from '../../drivers/unix/stack.ts';
import { createStack } from '../../lib/net/stack.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';
import { VirtualSwitch } from '../../lib/testing/switch.ts';
import { stackContract } from './stack.contract.ts';
import { runContract } from './vitest-adapter.ts';

runContract('Stack contract: unix host sockets on loopback', () =>
  stackContract({
    icmp: false,
    async pair() {
      const a = createUnixStack();
      const b = createUnixStack();
      return {
        a,
        b,
        addressOfA: '127.0.0.1',
        addressOfB: '127.0.0.1',
        pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        close: async () => {
          await Promise.all([a.close(), b.close()]);
        },
      };
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
      return {
        a,
        b,
        addressOfA: '10.0.0.2',
        addressOfB: '10.0.0.3',
        pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        close: async () => {
          await Promise.all([a.close(), b.close()]);
          clock.close();
        },
      };
    },
  }),
);
