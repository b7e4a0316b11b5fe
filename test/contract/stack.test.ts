import { createUnixStack } from '../../drivers/unix/stack.ts';
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
