/**
 * The host's DNS servers on unix: the `nameserver` lines of
 * /etc/resolv.conf (resolv.conf(5)), as the host's own programs use them.
 * Like glibc, at most the first three are read; IPv6 servers are skipped,
 * since the Stack speaks IPv4 only.
 */
import { readFileSync } from 'node:fs';
import { parseIpv4 } from '../../lib/ipv4-text.ts';

/** glibc's MAXNS: nameserver lines past the third are ignored. */
const MAX_NAMESERVERS = 3;

/** The IPv4 servers named in resolv.conf text, in order. */
export function parseResolvConf(text: string): string[] {
  const named: string[] = [];
  for (const line of text.split('\n')) {
    const [keyword, value] = line.trim().split(/\s+/);
    if (keyword !== 'nameserver' || value === undefined) continue;
    named.push(value);
    if (named.length === MAX_NAMESERVERS) break;
  }
  return named.filter((address) => parseIpv4(address) !== null);
}

/** The host's IPv4 DNS servers now; none when `path` cannot be read. */
export function hostDnsServers(path = '/etc/resolv.conf'): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return parseResolvConf(text);
}
