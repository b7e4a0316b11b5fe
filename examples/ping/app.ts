/**
 * ping: a unikernel that answers ICMP echo requests. The stack does the
 * answering; the app only reports its address and stays up, for
 * `--seconds=N` (default: until asked to stop).
 */
import { defineApp, parseArgs, sleep, stack } from '../../lib/index.ts';

export default defineApp({
  name: 'ping',
  devices: { net: stack() },
  async start({ devices, args, clock, console, stopping }) {
    const { seconds } = parseArgs(args, {
      seconds: { type: 'int', min: 0, max: 31_536_000, default: 0, help: 'exit after this many seconds (0: run until stopped)' },
    });
    const { address, prefix, source } = devices.net.ipv4;
    console.info(`ping: answering ICMP echo on ${address}/${prefix} (${source})`);
    // Until the time is up, or the platform asks it to stop (SIGTERM to kiln-hvt or to node).
    await Promise.race([sleep(clock, seconds === 0 ? 2 ** 31 - 1 : seconds * 1000), stopping]);
    const icmp = devices.net.counters().icmp ?? {};
    console.info(`ping: done; icmp counters ${JSON.stringify(icmp)}`);
    return 0;
  },
});
