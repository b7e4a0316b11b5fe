/**
 * The Stack/Flow contract suite (test/contract/stack.contract.ts), run
 * against two TypeScript stacks joined by the in-memory switch, in real time:
 * the same cases the unix host-socket stack passes.
 */
import { createStack } from './stack.ts';
import { createUnixClock } from '../../drivers/unix/clock.ts';
import { VirtualSwitch } from '../testing/switch.ts';
import { SeededRandom } from '../testing/seeded-random.ts';
import { stackContract } from '../../test/contract/stack.contract.ts';
import { runContract } from '../../test/contract/vitest-adapter.ts';

runContract('Stack contract: TypeScript stacks on the in-memory switch', () =>
  stackContract({
    icmp: true,
    async pair() {
      const clock = createUnixClock();
      const sw = new VirtualSwitch();
      const a = await createStack({ net: sw.attach(), clock, random: new SeededRandom(1), config: { args: ['--ipv4=10.0.0.2/24'] } });
      const b = await createStack({ net: sw.attach(), clock, random: new SeededRandom(2), config: { args: ['--ipv4=10.0.0.3/24'] } });
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
