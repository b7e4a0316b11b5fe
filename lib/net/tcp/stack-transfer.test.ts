/**
 * TCP through the whole stack: two NetStacks (Ethernet, ARP, IPv4) on the
 * in-memory switch with its fault injection, 16 MB each way at once; and
 * with ports that take large segments and cut them (segmentation offload).
 */
import { describe, expect, it } from 'vitest';
import { createStack } from '../stack.ts';
import { drive } from '../../testing/drive.ts';
import { SeededRandom } from '../../testing/seeded-random.ts';
import { VirtualClock } from '../../testing/virtual-clock.ts';
import { VirtualSwitch, type PortOptions, type SwitchOptions } from '../../testing/switch.ts';
import { MB, exchange } from '../../../test/support/tcp-link.ts';

async function stackPair(options: SwitchOptions, port: PortOptions = {}) {
  const clock = new VirtualClock();
  const sw = new VirtualSwitch(options);
  const a = await createStack({ net: sw.attach(port), clock, random: new SeededRandom(1), config: { args: ['--ipv4=10.0.0.2/24'] } });
  const b = await createStack({ net: sw.attach(port), clock, random: new SeededRandom(2), config: { args: ['--ipv4=10.0.0.3/24'] } });
  return { clock, sw, a, b };
}

const CASES: [string, SwitchOptions][] = [
  ['a clean switch', {}],
  ['5% loss', { loss: 0.05, seed: 21 }],
  ['reordering', { reorder: 0.1, seed: 22 }],
  ['duplication', { duplicate: 0.1, seed: 23 }],
  ['1% corruption', { corrupt: 0.01, seed: 24 }],
  ['MTU 576', { mtu: 576, seed: 25 }],
];

const LARGE: PortOptions = { offload: { maxPayload: 65535 } };

/** 16 MB each way at once between two stacks; returns the switch's and the first stack's TCP counters. */
async function exchange16MB(options: SwitchOptions, port: PortOptions = {}) {
  const { clock, sw, a, b } = await stackPair(options, port);
  const listener = await b.listenTcp(5001);
  const work = Promise.all([
    listener.accept().then((flow) => exchange(flow, 2, 1, 16 * MB)),
    a.connectTcp('10.0.0.3', 5001).then((flow) => exchange(flow, 1, 2, 16 * MB)),
  ]);
  const [server, client] = await drive(clock, sw, work);
  expect(server).toBe(16 * MB);
  expect(client).toBe(16 * MB);
  const tcp = a.counters().tcp!;
  await a.close();
  await b.close();
  return { switched: sw.counters(), tcp };
}

describe('TCP through the stack and the switch', () => {
  for (const [name, options] of CASES) {
    it(`moves 16 MB each way at once, byte-exact, over ${name}`, async () => {
      const { tcp } = await exchange16MB(options);
      if (options.mtu) expect(tcp['tx.bytes']! / tcp['tx.segments']!).toBeLessThanOrEqual(options.mtu - 20);
      if (options.loss) expect(tcp['retransmits']).toBeGreaterThan(0);
    }, 300_000);
  }

  // The switch drops frames over its MTU: every large segment must reach it cut into standard ones.
  for (const [name, options] of [...CASES.slice(0, 5), ['MTU 1500, 5% loss', { mtu: 1500, loss: 0.05, seed: 27 }] as [string, SwitchOptions]]) {
    it(`moves 16 MB each way at once in large segments cut by the ports, over ${name}`, async () => {
      const { tcp, switched } = await exchange16MB({ mtu: 1500, ...options }, LARGE);
      expect(tcp['tx.large-segments']).toBeGreaterThan(0);
      if (options.loss) expect(tcp['retransmits']).toBeGreaterThan(0);
      expect(switched.droppedMtu).toBe(0);
    }, 300_000);
  }

  it('runs 100 connections at once through one listener, with 1% loss', async () => {
    const { clock, sw, a, b } = await stackPair({ loss: 0.01, seed: 26 });
    const listener = await b.listenTcp(5002);
    const servers: Promise<number>[] = [];
    const accepting = (async () => {
      for (let i = 0; i < 100; i++) {
        const flow = await listener.accept();
        servers.push(exchange(flow, 100_000 + flow.remote.port, flow.remote.port, 32 * 1024));
      }
    })();
    const clients = Array.from({ length: 100 }, () =>
      a.connectTcp('10.0.0.3', 5002).then((flow) => exchange(flow, flow.local.port, 100_000 + flow.local.port, 32 * 1024)),
    );
    const results = await drive(clock, sw, (async () => [...(await Promise.all(clients)), ...(await accepting.then(() => Promise.all(servers)))])());
    expect(results).toHaveLength(200);
    for (const r of results) expect(r).toBe(32 * 1024);
    await a.close();
    await b.close();
  }, 300_000);
});
