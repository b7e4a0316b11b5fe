/** The smallest Kiln app: prints a line and both clocks, then exits 0. */
import { defineApp, parseArgs } from '../../lib/index.ts';

export default defineApp({
  name: 'hello',
  devices: {},
  start({ args, clock, console }) {
    parseArgs(args, {});
    console.write('Hello from Kiln!');
    console.write(`monotonic clock: ${clock.monotonicNs()} ns since boot`);
    console.write(`wall clock: ${new Date(Number(clock.wallNs() / 1_000_000n)).toISOString()}`);
    return 0;
  },
});
