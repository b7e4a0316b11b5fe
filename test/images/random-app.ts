/** Prints which source seeds the runtime's generator and 16 random bytes
 * from it (image test: RDSEED/RDRAND on x86_64, RNDRRS on aarch64). */
import { defineApp, parseArgs } from '../../lib/index.ts';

interface KilnHost {
  randomSource: string;
  randomBytes(buffer: Uint8Array): Uint8Array;
}

export default defineApp({
  name: 'random',
  devices: {},
  start({ args, console }) {
    parseArgs(args, {});
    const host = (globalThis as unknown as { __kiln: KilnHost }).__kiln;
    console.write(`random source: ${host.randomSource}`);
    console.write(`random bytes: ${Array.from(host.randomBytes(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')}`);
    return 0;
  },
});
