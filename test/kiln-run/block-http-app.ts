/**
 * The http example with a block device: at start it writes one sector
 * naming the run (its first argument after --stamp=) and flushes, then
 * serves exactly what examples/http serves.
 */
import { block, defineApp, parseArgs, stack } from '../../lib/index.ts';
import http from '../../examples/http/app.ts';

export default defineApp({
  name: 'block-http',
  devices: { net: stack(), disk: block() },
  async start({ devices, args, clock, random, console, stopping }) {
    const stampArg = args.find((a) => a.startsWith('--stamp='));
    const { stamp } = parseArgs(stampArg ? [stampArg] : [], { stamp: { type: 'string', default: 'none', help: 'text for sector 0' } });
    const sector = new Uint8Array(devices.disk.info.sectorSize);
    sector.set(new TextEncoder().encode(`block-http ${stamp}\n`));
    await devices.disk.write(0, sector);
    await devices.disk.flush();
    console.info(`block-http: wrote sector 0 (${stamp})`);
    return http.start({ devices: { net: devices.net }, args: args.filter((a) => a !== stampArg), clock, random, console, stopping });
  },
});
