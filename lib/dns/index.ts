/**
 * DNS for Kiln apps: a stub resolver for A records (UDP, TCP when the answer
 * is truncated, retries, a TTL-honouring cache), and connecting by name.
 *
 *     const resolver = new DnsResolver(stack, { servers: resolversFromArgs(args), clock, random });
 *     const addresses = await resolver.resolveA('example.test');
 *     const flow = await connectByName(stack, resolver, 'example.test', 80);
 *
 * The servers come from `--resolver=IP` boot arguments; once the Stack
 * exposes the DNS servers a DHCP lease gave, pass those instead.
 */
export { DnsResolver, resolversFromArgs, type ResolverOptions } from './resolver.ts';
export { connectByName, type HostResolver } from './connect.ts';
export { DnsError, type DnsErrorCode } from './errors.ts';
