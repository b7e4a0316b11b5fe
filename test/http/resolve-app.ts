/**
 * Resolves `--name=NAME` through lib/dns with the servers the stack was
 * given (a DHCP lease's option 6, unless `--resolver=IP`), and prints them
 * and the answer, so test/http/image.test.ts can check name lookup inside an
 * hvt image configured by DHCP.
 */
import { defineApp, parseArgs, stack } from '../../lib/index.ts';
import { DnsError, DnsResolver } from '../../lib/dns/index.ts';

const ARGS = { name: { type: 'string', help: 'host name to look up' } } as const;

export default defineApp({
  name: 'resolve',
  devices: { net: stack() },
  async start({ devices, args, clock, random, console }) {
    const { name } = parseArgs(args, ARGS);
    if (name === undefined) {
      console.write('resolve: give --name=NAME');
      return 2;
    }
    const { source, address, dnsServers } = devices.net.ipv4;
    console.write(`address ${address} (${source}), DNS servers [${dnsServers.join(',')}]`);
    const resolver = new DnsResolver(devices.net, { args, clock, random });
    try {
      console.write(`${name} -> [${(await resolver.resolveA(name)).join(',')}]`);
      return 0;
    } catch (err) {
      if (!(err instanceof DnsError)) throw err;
      console.write(`${name} -> ${err.code}`);
      return 1;
    }
  },
});
