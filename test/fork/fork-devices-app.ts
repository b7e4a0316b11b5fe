/**
 * fork-devices: the devices of a forked TypeScript unikernel, for
 * fork-devices.test.ts. The parent forks once, then waits for its child and
 * exits with 0 when the child did.
 * - `--mode=pool` (kiln-hvt --fork-net:service=TAP...): the child's stack
 *   has its own tap, MAC and DHCP address; it prints
 *   `child address A (dhcp) N ms after the fork call` and answers ping until a TCP connection reaches its
 *   port 9. The parent answers ping at its own address meanwhile.
 * - `--mode=unavailable` (no pool; --fork-block:storage=refuse): the child
 *   prints the typed errors its stack and its block device give.
 */
import { BlockError, NetError, block, defineApp, fork, parseArgs, stack } from '../../lib/index.ts';

/** `Class code` of the typed errors expected here, else the error itself. */
function describe(err: unknown): string {
  if (err instanceof NetError) return `NetError ${err.code}`;
  if (err instanceof BlockError) return `BlockError ${err.code}`;
  return String(err);
}

export default defineApp({
  name: 'fork-devices',
  devices: { net: stack('service'), storage: block('storage'), fork: fork() },
  async start({ devices, args, clock, console }) {
    const { mode } = parseArgs(args, {
      mode: { type: 'string', default: 'pool', help: 'pool or unavailable' },
      ipv4: { type: 'ipv4-cidr', help: "the parent's address" },
    });
    const before = clock.nowMs();
    const forked = await devices.fork.fork();
    if (forked.role === 'parent') {
      console.info(`parent address ${devices.net.ipv4.address}`);
      const status = await forked.child.wait();
      console.info(`parent: child ended with ${status.code}`);
      return status.code;
    }
    if (mode === 'unavailable') {
      try {
        await devices.net.ping('10.77.0.1');
        console.info('child: ping: answered');
      } catch (err) {
        console.info(`child: ping: ${describe(err)}`);
      }
      try {
        await devices.storage.read(0, new Uint8Array(512));
        console.info('child: block read: done');
      } catch (err) {
        console.info(`child: block read: ${describe(err)}`);
      }
      return 0;
    }
    const { address, source } = devices.net.ipv4;
    // In the child, fork() resolves once the child's stack has its lease.
    console.info(`child address ${address} (${source}) ${Math.round(clock.nowMs() - before)} ms after the fork call`);
    const listener = await devices.net.listenTcp(9);
    const flow = await listener.accept();
    await flow.close();
    await listener.close();
    return 0;
  },
});
