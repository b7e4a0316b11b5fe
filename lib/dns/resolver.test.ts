import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUnixStack } from '../../drivers/unix/stack.ts';
import type { Stack } from '../devices/stack.ts';
import type { Random } from '../devices/random.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';
import { DnsResolver, resolversFromArgs, type ResolverOptions } from './resolver.ts';
import { connectByName } from './connect.ts';
import { TestDnsServer, type Behaviour, type TestReply } from '../../test/support/dns-server.ts';
import { createServer } from 'node:net';

const random: Random = { fill: (b) => crypto.getRandomValues(b) };
const a = (name: string, data: string, ttl = 300) => ({ name, type: 'A' as const, ttl, data });

/** Waits (bounded) until `check` holds: the server saw what the test waits for. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe('DnsResolver against a DNS server on loopback', () => {
  let stack: Stack;
  let primary: TestDnsServer;
  let secondary: TestDnsServer;
  let clock: VirtualClock;
  const table: Record<string, TestReply> = {
    'one.test': { answers: [a('one.test', '10.1.1.1', 60)] },
    'many.test': { answers: [a('many.test', '10.2.2.1'), a('many.test', '10.2.2.2')] },
    'alias.test': { answers: [{ name: 'alias.test', type: 'CNAME', ttl: 30, data: 'real.test' }, a('real.test', '10.3.3.3', 300)] },
    'missing.test': { rcode: 3, soa: { ttl: 120, minimum: 60 } },
    'empty.test': { answers: [], soa: { ttl: 30, minimum: 300 } },
    'big.test': { truncateUdp: true, answers: Array.from({ length: 40 }, (_, i) => a('big.test', `10.9.0.${i + 1}`)) },
    'forged.test': { forgeFirst: true, answers: [a('forged.test', '10.4.4.4')] },
  };
  const fromTable: Behaviour = (name) => table[name] ?? { rcode: 3 };

  beforeAll(async () => {
    stack = createUnixStack();
    primary = await TestDnsServer.start('127.0.0.1', fromTable);
    secondary = await TestDnsServer.start('127.0.0.2', fromTable, primary.port);
  });
  afterAll(async () => {
    await primary.stop();
    await secondary.stop();
    await stack.close();
  });
  afterEach(() => {
    primary.behaviour = fromTable;
    secondary.behaviour = fromTable;
    primary.reset();
    secondary.reset();
  });

  const resolver = (options: Partial<ResolverOptions> = {}): DnsResolver => {
    clock = new VirtualClock();
    return new DnsResolver(stack, { servers: ['127.0.0.1'], port: primary.port, clock, random, timeoutMs: 1000, ...options });
  };

  it('resolves A records, case-insensitively, and answers IPv4 literals and localhost itself', async () => {
    const r = resolver();
    expect(await r.resolveA('one.test')).toEqual(['10.1.1.1']);
    expect(await r.resolveA('MANY.test.')).toEqual(['10.2.2.1', '10.2.2.2']);
    expect(await r.resolveA('192.0.2.7')).toEqual(['192.0.2.7']);
    expect(await r.resolveA('localhost')).toEqual(['127.0.0.1']);
    expect(primary.seen.map((q) => q.name)).toEqual(['one.test', 'many.test']);
  });

  /** A fresh resolver answers `name` with `addresses`, from its cache (also as `cachedAs`) until `ttlMs` have passed, then asks again. */
  async function expectCachedFor(name: string, addresses: string[], ttlMs: number, cachedAs = name): Promise<void> {
    const r = resolver();
    expect(await r.resolveA(name)).toEqual(addresses);
    clock.advance(ttlMs - 1);
    expect(await r.resolveA(cachedAs)).toEqual(addresses);
    expect(primary.seen).toHaveLength(1);
    clock.advance(1);
    await r.resolveA(name);
    expect(primary.seen).toHaveLength(2);
  }

  it('caches answers for their TTL, then asks again', async () => {
    await expectCachedFor('one.test', ['10.1.1.1'], 60_000, 'One.Test');
  });

  it('follows a CNAME chain, caching for the shortest TTL along it', async () => {
    await expectCachedFor('alias.test', ['10.3.3.3'], 30_000);
  });

  it('reports NXDOMAIN and no-data, caching them as the SOA says (RFC 2308)', async () => {
    const r = resolver();
    await expect(r.resolveA('missing.test')).rejects.toMatchObject({ code: 'not-found' });
    await expect(r.resolveA('empty.test')).rejects.toMatchObject({ code: 'no-data' });
    clock.advance(29_000);
    await expect(r.resolveA('missing.test')).rejects.toMatchObject({ code: 'not-found' });
    await expect(r.resolveA('empty.test')).rejects.toMatchObject({ code: 'no-data' });
    expect(primary.seen).toHaveLength(2);
    clock.advance(21_000); // at 50 s: past min(30, 300) for empty.test, not past min(120, 60) for missing.test
    await expect(r.resolveA('empty.test')).rejects.toMatchObject({ code: 'no-data' });
    await expect(r.resolveA('missing.test')).rejects.toMatchObject({ code: 'not-found' });
    expect(primary.seen.map((q) => q.name)).toEqual(['missing.test', 'empty.test', 'empty.test']);
  });

  it('falls back to TCP when the UDP answer is truncated', async () => {
    const r = resolver();
    const addresses = await r.resolveA('big.test');
    expect(addresses).toHaveLength(40);
    expect(primary.seen.map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('ignores a forged answer with the wrong id', async () => {
    const r = resolver();
    expect(await r.resolveA('forged.test')).toEqual(['10.4.4.4']);
  });

  it('uses fresh random query ids', async () => {
    const r = resolver({ cacheSize: 0 });
    for (let i = 0; i < 4; i++) await r.resolveA('one.test');
    expect(new Set(primary.seen.map((q) => q.id)).size).toBeGreaterThan(1);
  });

  it('retries after a timeout', async () => {
    primary.behaviour = (name, _t, count) => (count === 1 ? 'silent' : fromTable(name, 'udp', count));
    const r = resolver();
    const pending = r.resolveA('one.test');
    await until(() => primary.seen.length === 1, 'the first query');
    clock.advance(1000);
    expect(await pending).toEqual(['10.1.1.1']);
    expect(primary.seen).toHaveLength(2);
  });

  it('gives up with timed-out after every attempt', async () => {
    primary.behaviour = () => 'silent';
    const r = resolver({ attempts: 2 });
    const pending = r.resolveA('one.test');
    const outcome = pending.catch((err: unknown) => err);
    await until(() => primary.seen.length === 1, 'the first query');
    clock.advance(1000);
    await until(() => primary.seen.length === 2, 'the retry');
    clock.advance(1000);
    expect(await outcome).toMatchObject({ code: 'timed-out' });
  });

  it('moves on to the next server after SERVFAIL', async () => {
    primary.behaviour = () => ({ rcode: 2 });
    const r = resolver({ servers: ['127.0.0.1', '127.0.0.2'] });
    expect(await r.resolveA('one.test')).toEqual(['10.1.1.1']);
    expect(primary.seen).toHaveLength(1);
    expect(secondary.seen).toHaveLength(1);
  });

  it('reports server-failure when every server fails', async () => {
    primary.behaviour = () => ({ rcode: 5 });
    const r = resolver({ attempts: 2 });
    await expect(r.resolveA('one.test')).rejects.toMatchObject({ code: 'server-failure' });
    expect(primary.seen).toHaveLength(2);
  });

  it('shares one query among concurrent lookups of a name', async () => {
    const r = resolver();
    const all = await Promise.all([r.resolveA('many.test'), r.resolveA('many.test'), r.resolveA('Many.Test')]);
    expect(all.every((x) => x.length === 2)).toBe(true);
    expect(primary.seen).toHaveLength(1);
  });

  it('rejects invalid names and missing servers', async () => {
    await expect(resolver().resolveA('bad name.test')).rejects.toMatchObject({ code: 'invalid-name' });
    expect(() => new DnsResolver(stack, { servers: [], clock: new VirtualClock(), random })).toThrow(/--resolver/);
    expect(resolversFromArgs(['--port=8080', '--resolver=10.0.0.1', '--resolver=10.0.0.2'])).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(() => resolversFromArgs(['--resolver=nope'])).toThrow(/--resolver/);
  });

  it('connects by name', async () => {
    table['loop.test'] = { answers: [a('loop.test', '127.0.0.1')] };
    const local = createServer((s) => s.end('hi'));
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', () => r()));
    const port = (local.address() as { port: number }).port;
    const flow = await connectByName(stack, resolver(), 'loop.test', port);
    expect(Buffer.from((await flow.read())!).toString()).toBe('hi');
    await flow.close();
    await expect(connectByName(stack, null, 'loop.test', port)).rejects.toMatchObject({ code: 'no-resolver' });
    local.close();
  });
});
