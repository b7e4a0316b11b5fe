/**
 * What the host says about its IPv4 configuration: the Stack's `ipv4` on
 * unix, where the host, not Kiln, owns addresses and routes.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Ipv4Config } from '../../lib/devices/stack.ts';
import { StackError } from '../../lib/devices/stack.ts';
import { formatIpv4, parseIpv4 } from '../../lib/ipv4-text.ts';

interface HostAddress {
  address: string;
  prefix: number;
  internal: boolean;
}

function hostAddresses(): HostAddress[] {
  const found: HostAddress[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4') found.push({ address: a.address, prefix: Number(a.cidr?.split('/')[1] ?? 32), internal: a.internal });
    }
  }
  return found;
}

/** The default gateway from Linux's /proc/net/route (little-endian hex), or null elsewhere or without one. */
function defaultGateway(): string | null {
  let table: string;
  try {
    table = readFileSync('/proc/net/route', 'utf8');
  } catch {
    return null;
  }
  for (const line of table.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/);
    if (destination === '00000000' && gateway && /^[0-9A-Fa-f]{8}$/.test(gateway)) {
      const le = parseInt(gateway, 16);
      return formatIpv4((((le & 0xff) << 24) | ((le >>> 8 & 0xff) << 16) | ((le >>> 16 & 0xff) << 8) | (le >>> 24)) >>> 0);
    }
  }
  return null;
}

/**
 * The host's configuration as the Stack reports it. With `address` (from
 * `--ipv4=A/N` on unix) that address must belong to the host (any of
 * 127.0.0.0/8 does); otherwise the first non-loopback address, else 127.0.0.1.
 * DNS servers are left to `hostDnsServers`, read anew each time.
 */
export function hostIpv4(address?: string): Omit<Ipv4Config, 'dnsServers'> {
  const all = hostAddresses();
  const gateway = defaultGateway();
  if (address !== undefined) {
    const value = parseIpv4(address);
    if (value === null) throw new StackError('invalid-address', `--ipv4: '${address}' is not a dotted IPv4 address`);
    const own = all.find((a) => a.address === address);
    if (own) return { address, prefix: own.prefix, gateway, source: 'host' };
    if (value >>> 24 === 127) return { address, prefix: 8, gateway, source: 'host' };
    throw new StackError(
      'invalid-address',
      `--ipv4=${address}: no host interface has this address; on unix the stack uses the host's sockets, so give one of ${all.map((a) => a.address).join(', ')}`,
    );
  }
  const primary = all.find((a) => !a.internal) ?? { address: '127.0.0.1', prefix: 8 };
  return { address: primary.address, prefix: primary.prefix, gateway, source: 'host' };
}
