/**
 * DNS for Kiln apps: a stub resolver for A records (UDP, TCP when the answer
 * is truncated, retries, a TTL-honouring cache), and connecting by name.
 *
 *     const resolver = new DnsResolver(stack, { args, clock, random });
 *     const addresses = await resolver.resolveA('example.test');
 *     const flow = await connectByName(stack, resolver, 'example.test', 80);
 *
 * The servers: every `--resolver=IP` boot argument if there is one (it
 * wins), else the stack's `ipv4.dnsServers` (option 6 of the DHCP lease on
 * hvt, /etc/resolv.conf on unix), tried in order, the next one when a
 * server is silent or fails. With neither, a lookup fails with
 * `DnsError('no-resolver')`. `servers: [...]` fixes the list instead.
 */
export { DnsResolver, resolversFromArgs, type ResolverOptions } from './resolver.ts';
export { connectByName, type HostResolver } from './connect.ts';
export { DnsError, type DnsErrorCode } from './errors.ts';
