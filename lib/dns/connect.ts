/** "Connect by name": resolve a host's A records, then try each address until one connects. */
import type { Flow } from '../devices/flow.ts';
import type { ConnectOptions, Stack } from '../devices/stack.ts';
import { parseIpv4 } from '../ipv4-text.ts';
import { DnsError } from './errors.ts';

/** What connecting by name needs from a resolver. */
export interface HostResolver {
  /** IPv4 addresses of `name`, in the order to try them. */
  resolveA(name: string): Promise<string[]>;
}

/**
 * Connects to `host` (a name or a dotted IPv4 address) on `port`. Each
 * address gets the full connect timeout; the last address's error is thrown
 * when none connects.
 */
export async function connectByName(
  stack: Stack,
  resolver: HostResolver | null,
  host: string,
  port: number,
  options?: ConnectOptions,
): Promise<Flow> {
  if (parseIpv4(host) !== null) return stack.connectTcp(host, port, options);
  if (resolver === null) throw new DnsError('no-resolver', `cannot look up '${host}': no DNS resolver configured`);
  const addresses = await resolver.resolveA(host);
  let lastError: unknown = null;
  for (const address of addresses) {
    try {
      return await stack.connectTcp(address, port, options);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError ?? new DnsError('no-data', `'${host}' has no IPv4 address`);
}
