import { SocatNet } from '../support/socat-net.ts';
import { VirtualSwitch } from '../../lib/testing/switch.ts';
import { netContract } from './net.contract.ts';
import { runContract } from './vitest-adapter.ts';

const realTime = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

runContract('Net contract: in-memory switch ports', () =>
  netContract({
    async pair() {
      const sw = new VirtualSwitch();
      const a = sw.attach();
      const b = sw.attach();
      return {
        a,
        b,
        pass: async () => sw.settle(),
        close: async () => {
          a.close();
          b.close();
        },
      };
    },
  }),
);

// SocatNet speaks socat's tap framing (one frame per UDP datagram); two of
// them aimed at each other on loopback form a wire without root or a tap.
runContract('Net contract: SocatNet over loopback datagrams', () =>
  netContract({
    async pair() {
      const [a, b] = await SocatNet.loopbackPair();
      return {
        a,
        b,
        pass: realTime,
        close: async () => {
          a.close();
          b.close();
        },
      };
    },
  }),
);
