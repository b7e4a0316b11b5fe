/**
 * Where the resolver's servers come from, over the TypeScript stack on the
 * in-memory switch: a scripted DHCP server hands out option 6 naming two DNS
 * servers (Kiln stacks on the same switch answering from a table); the
 * resolver follows the lease, fails over from a silent server to the next,
 * follows a renewal's new list, yields to `--resolver`, and says clearly
 * when there is no server at all.
 */
import { describe, expect, it } from 'vitest';
import { ArgError } from '../args.ts';
import { createStack } from '../net/stack.ts';
import { DHCPACK } from '../net/wire/dhcp.ts';
import { boundStack, dnsOption, LEASE_S, type ScriptedDhcpServer } from '../testing/dhcp-server.ts';
import { drive, driveFor } from '../testing/drive.ts';
import { SeededRandom } from '../testing/seeded-random.ts';
import { connectByName } from './connect.ts';
import { DnsResolver } from './resolver.ts';
import { DnsAnswerer, serveDnsOn, type Behaviour } from '../../test/support/dns-server.ts';

const FIRST = '10.0.0.3';
const SECOND = '10.0.0.4';

/** Each server answers with its own address, so a test sees which one answered. */
const answeringWith = (address: string): Behaviour => (name) => ({ answers: [{ name, type: 'A', ttl: 300, data: address }] });

async function network(prepare: (server: ScriptedDhcpServer) => void) {
  const leased = await boundStack(prepare);
  const { clock, sw } = leased;
  const servers = new Map<string, DnsAnswerer>();
  for (const [i, address] of [FIRST, SECOND].entries()) {
    const stack = await createStack({ net: sw.attach(), clock, random: new SeededRandom(20 + i), config: { args: [`--ipv4=${address}/24`] } });
    const answerer = new DnsAnswerer(answeringWith(address));
    await drive(clock, sw, serveDnsOn(stack, answerer));
    servers.set(address, answerer);
  }
  const resolver = (args: string[] = []) =>
    new DnsResolver(leased.stack, { args, clock, random: new SeededRandom(7), timeoutMs: 1000, attempts: 2 });
  const run = <T>(work: Promise<T>): Promise<T> => drive(clock, sw, work);
  const asked = (address: string): string[] => servers.get(address)!.seen.map((q) => q.name);
  return { ...leased, servers, resolver, run, asked };
}

describe('DnsResolver with servers from DHCP (option 6)', () => {
  it('asks the first server the lease names', async () => {
    const { resolver, run, asked, stack } = await network((s) => (s.dnsServers = dnsOption(FIRST, SECOND)));
    expect(stack.ipv4.dnsServers).toEqual([FIRST, SECOND]);
    expect(await run(resolver().resolveA('web.kiln.test'))).toEqual([FIRST]);
    expect(asked(FIRST)).toEqual(['web.kiln.test']);
    expect(asked(SECOND)).toEqual([]);
  });

  it('fails over to the next server when the first is silent', async () => {
    const { resolver, run, asked, servers } = await network((s) => (s.dnsServers = dnsOption(FIRST, SECOND)));
    servers.get(FIRST)!.behaviour = () => 'silent';
    expect(await run(resolver().resolveA('web.kiln.test'))).toEqual([SECOND]);
    expect(asked(FIRST)).toEqual(['web.kiln.test']);
    expect(asked(SECOND)).toEqual(['web.kiln.test']);
  });

  it('follows the list a renewed lease brings', async () => {
    const { resolver, run, asked, server, clock, sw, net, stack } = await network((s) => (s.dnsServers = dnsOption(FIRST)));
    const r = resolver();
    expect(await run(r.resolveA('one.kiln.test'))).toEqual([FIRST]);
    server.dnsServers = dnsOption(SECOND, FIRST);
    server.collect();
    await driveFor(clock, sw, (LEASE_S / 2) * 1000);
    const [renew] = server.collect();
    server.reply(renew!, net.mac, DHCPACK);
    await sw.settle();
    expect(stack.ipv4.dnsServers).toEqual([SECOND, FIRST]);
    expect(await run(r.resolveA('two.kiln.test'))).toEqual([SECOND]);
    expect(asked(FIRST)).toEqual(['one.kiln.test']);
    expect(asked(SECOND)).toEqual(['two.kiln.test']);
  });

  it('lets --resolver win over the lease', async () => {
    const { resolver, run, asked } = await network((s) => (s.dnsServers = dnsOption(FIRST)));
    expect(await run(resolver(['--port=80', `--resolver=${SECOND}`]).resolveA('web.kiln.test'))).toEqual([SECOND]);
    expect(asked(FIRST)).toEqual([]);
    expect(() => resolver(['--resolver=nowhere'])).toThrow(ArgError);
  });

  it('fails with no-resolver, saying what is missing, when neither --resolver nor the lease names a server', async () => {
    const { resolver, run, stack } = await network(() => {});
    expect(stack.ipv4.dnsServers).toEqual([]);
    const r = resolver();
    await expect(run(r.resolveA('web.kiln.test'))).rejects.toMatchObject({
      code: 'no-resolver',
      message: expect.stringMatching(/--resolver=IP.*dhcp network configuration names none/),
    });
    await expect(run(connectByName(stack, r, 'web.kiln.test', 80))).rejects.toMatchObject({ code: 'no-resolver' });
    // Addresses and localhost need no server.
    expect(await run(r.resolveA('10.0.0.3'))).toEqual(['10.0.0.3']);
  });
});
