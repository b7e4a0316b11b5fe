/**
 * A stub resolver for A records: asks the configured servers over UDP, falls
 * back to TCP when an answer comes back truncated, retries on silence and on
 * server failure, follows CNAME chains within the answer, and caches
 * answers and negative answers for as long as their TTLs allow.
 */
import type { Clock } from '../devices/clock.ts';
import { randomU32, type Random } from '../devices/random.ts';
import type { Stack } from '../devices/stack.ts';
import { ArgError } from '../args.ts';
import { parseIpv4 } from '../ipv4-text.ts';
import { DnsCache, type CachedLookup } from './cache.ts';
import type { HostResolver } from './connect.ts';
import { DnsError } from './errors.ts';
import {
  CLASS_IN,
  encodeQuery,
  normalizeName,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  TYPE_A,
  TYPE_CNAME,
  TYPE_SOA,
  type DnsMessage,
} from './message.ts';
import { queryTcp, queryUdp, type Query } from './transport.ts';

export interface ResolverOptions {
  /**
   * DNS servers to ask, dotted IPv4, in order. Without this list: every
   * `--resolver=IP` among `args` when there is one (it wins), else the
   * stack's `ipv4.dnsServers` (a DHCP lease's option 6; the host's on
   * unix), read at each lookup so a renewed lease's list applies.
   */
  servers?: readonly string[];
  /** Boot arguments, for `--resolver=IP`; the others are ignored. */
  args?: readonly string[];
  clock: Clock;
  /** Query ids come from here (unpredictable ids make forged answers harder). */
  random: Random;
  /** Server port (default 53). */
  port?: number;
  /** Wait for one answer (default 2000 ms). */
  timeoutMs?: number;
  /** Rounds over all servers (default 3). */
  attempts?: number;
  /** Names remembered at most (default 256; 0 turns caching off). */
  cacheSize?: number;
  /** Longest any answer is cached, in seconds (default one day). */
  maxTtlSeconds?: number;
}

/** CNAME hops followed within one answer. */
const MAX_CNAME_HOPS = 8;

export class DnsResolver implements HostResolver {
  private readonly cache: DnsCache;
  private readonly inFlight = new Map<string, Promise<CachedLookup>>();
  /** The fixed list, or null to take the stack's at each lookup. */
  private readonly servers: readonly string[] | null;
  private readonly port: number;
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(
    private readonly stack: Stack,
    private readonly options: ResolverOptions,
  ) {
    if (options.servers) {
      if (options.servers.length === 0) throw new DnsError('no-resolver', 'no DNS server configured (give --resolver=IP)');
      for (const s of options.servers) {
        if (parseIpv4(s) === null) throw new DnsError('no-resolver', `DNS server '${s}' is not an IPv4 address`);
      }
      this.servers = [...options.servers];
    } else {
      const fromArgs = resolversFromArgs(options.args ?? []);
      this.servers = fromArgs.length > 0 ? fromArgs : null;
    }
    this.port = options.port ?? 53;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.cache = new DnsCache(options.cacheSize ?? 256, options.maxTtlSeconds ?? 86400);
  }

  /** IPv4 addresses of `name`. Rejects with `DnsError` (`not-found`, `no-data`, `timed-out`, ...). */
  async resolveA(name: string): Promise<string[]> {
    if (parseIpv4(name) !== null) return [name];
    const key = normalizeName(name);
    if (key === 'localhost' || key.endsWith('.localhost')) return ['127.0.0.1']; // RFC 6761 section 6.3
    const now = this.options.clock.nowMs();
    const lookup = this.cache.get(key, now) ?? (await this.lookupShared(key));
    if ('addresses' in lookup) return [...lookup.addresses];
    throw new DnsError(lookup.negative, lookup.message);
  }

  /** Forgets every cached answer. */
  clearCache(): void {
    this.cache.clear();
  }

  /** Concurrent lookups of one name share one query. */
  private lookupShared(name: string): Promise<CachedLookup> {
    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.lookup(name).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  /** The servers for this lookup: the fixed list, else what the stack's configuration names now. */
  private currentServers(name: string): readonly string[] {
    if (this.servers) return this.servers;
    const { dnsServers, source } = this.stack.ipv4;
    if (dnsServers.length > 0) return dnsServers;
    throw new DnsError(
      'no-resolver',
      `cannot look up '${name}': no DNS server (no --resolver=IP boot argument, and the ${source} network configuration names none)`,
    );
  }

  private async lookup(name: string): Promise<CachedLookup> {
    const servers = this.currentServers(name);
    let lastError: DnsError | null = null;
    for (let round = 0; round < this.attempts; round++) {
      for (const address of servers) {
        const server = { address, port: this.port };
        const id = randomU32(this.options.random) & 0xffff;
        const query: Query = { id, name, type: TYPE_A, bytes: encodeQuery(id, name, TYPE_A) };
        try {
          let message = await queryUdp(this.stack, this.options.clock, server, query, this.timeoutMs);
          if (message.truncated) message = await queryTcp(this.stack, this.options.clock, server, query, this.timeoutMs);
          const outcome = this.interpret(name, message);
          if (outcome) return outcome;
          lastError = new DnsError('server-failure', `${address} answered with error code ${message.rcode}`);
        } catch (err) {
          if (!(err instanceof DnsError)) throw err;
          lastError = err;
        }
      }
    }
    throw lastError!;
  }

  /** The lookup's result from an answer (and caches it), or null when the server failed and another should be asked. */
  private interpret(name: string, message: DnsMessage): CachedLookup | null {
    const now = this.options.clock.nowMs();
    if (message.rcode === RCODE_NXDOMAIN) {
      const negative: CachedLookup = { negative: 'not-found', message: `'${name}' does not exist` };
      this.cache.set(name, negative, negativeTtl(message), now);
      return negative;
    }
    if (message.rcode !== RCODE_NOERROR) return null;
    // Follow the CNAME chain from the name asked; the TTL is the shortest along the way.
    let target = name;
    let ttl = Infinity;
    for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
      const alias = message.answers.find((r) => r.type === TYPE_CNAME && r.class === CLASS_IN && r.name === target);
      if (!alias) break;
      ttl = Math.min(ttl, alias.ttl);
      target = alias.data;
    }
    const records = message.answers.filter((r) => r.type === TYPE_A && r.class === CLASS_IN && r.name === target);
    if (records.length === 0) {
      const negative: CachedLookup = { negative: 'no-data', message: `'${name}' has no IPv4 address` };
      this.cache.set(name, negative, negativeTtl(message), now);
      return negative;
    }
    for (const r of records) ttl = Math.min(ttl, r.ttl);
    const found: CachedLookup = { addresses: records.map((r) => r.data) };
    this.cache.set(name, found, ttl, now);
    return found;
  }
}

/** How long a negative answer may be cached: min(SOA TTL, SOA MINIMUM) (RFC 2308 section 5); not at all without an SOA. */
function negativeTtl(message: DnsMessage): number {
  const soa = message.authority.find((r) => r.type === TYPE_SOA);
  return soa ? Math.min(soa.ttl, Number(soa.data)) : 0;
}

/** DNS servers from boot arguments: every `--resolver=IP`. */
export function resolversFromArgs(args: readonly string[]): string[] {
  const servers: string[] = [];
  for (const arg of args) {
    const m = /^--resolver=(.*)$/s.exec(arg);
    if (!m) continue;
    if (parseIpv4(m[1]!) === null) throw new ArgError('invalid', `--resolver: expected an IPv4 address such as 10.0.0.1, got '${m[1]}'`);
    servers.push(m[1]!);
  }
  return servers;
}
