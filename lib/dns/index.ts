/** DNS for Kiln apps: a stub resolver for A records, and connecting by name. */
export { DnsResolver, resolversFromArgs, type ResolverOptions } from './resolver.ts';
export { connectByName, type HostResolver } from './connect.ts';
export { DnsError, type DnsErrorCode } from './errors.ts';
