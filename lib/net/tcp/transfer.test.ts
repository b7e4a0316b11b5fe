/**
 * Bulk transfer between two TCP layers over a faulty wire: 16 MB in each
 * direction at once, byte-exact, under each kind of fault; and many
 * connections at once.
 */
import { describe, expect, it } from 'vitest';
import { ADDRESS_A, ADDRESS_B, MB, TcpLink, exchange, type LinkOptions } from '../../../test/support/tcp-link.ts';
import { CONNECTION_STATE_BYTES } from './layer.ts';

async function bidirectional(link: TcpLink, connections: number, total: number): Promise<number[]> {
  const listener = link.b.listen(ADDRESS_B, 80);
  const servers: Promise<number>[] = [];
  const accepting = (async () => {
    for (let i = 0; i < connections; i++) {
      const flow = await listener.accept();
      // Streams are named by the client's port, so each side knows what the other sends.
      servers.push(exchange(flow, 100_000 + flow.remote.port, flow.remote.port, total));
    }
  })();
  const clients: Promise<number>[] = [];
  for (let i = 0; i < connections; i++) {
    clients.push(link.a.connect(ADDRESS_A, ADDRESS_B, 80).then((flow) => exchange(flow, flow.local.port, 100_000 + flow.local.port, total)));
  }
  const all = (async () => {
    await accepting;
    return Promise.all([...clients, ...servers]);
  })();
  const results = await link.drive(all, 3_600_000);
  await listener.close();
  return results;
}

const CASES: [string, LinkOptions][] = [
  ['a clean wire', {}],
  ['5% loss', { loss: 0.05, seed: 5 }],
  ['reordering', { reorder: 0.1, seed: 6 }],
  ['duplication', { duplicate: 0.1, seed: 7 }],
  ['1% corruption', { corrupt: 0.01, seed: 8 }],
  ['MTU 576', { mtu: 576, seed: 9 }],
];

describe('TCP bulk transfer between two layers', () => {
  for (const [name, options] of CASES) {
    it(`moves 16 MB each way at once, byte-exact, over ${name}`, async () => {
      const link = new TcpLink(options);
      const [client, server] = await bidirectional(link, 1, 16 * MB);
      expect(client).toBe(16 * MB);
      expect(server).toBe(16 * MB);
      const a = link.a.counters();
      if (options.loss) expect(a['retransmits']).toBeGreaterThan(0);
      if (options.corrupt) expect(link.b.counters()['rx.dropped.checksum'] + a['rx.dropped.checksum']).toBeGreaterThan(0);
      if (options.mtu) expect(a['tx.bytes'] / a['tx.segments']).toBeLessThanOrEqual(556);
      expect(a['connections.open']).toBeLessThanOrEqual(1); // TIME-WAIT at most
    }, 300_000);
  }

  it('runs 100 connections at once, each exchanging data both ways', async () => {
    const link = new TcpLink({ loss: 0.01, seed: 11 });
    const results = await bidirectional(link, 100, 64 * 1024);
    expect(results).toHaveLength(200);
    for (const r of results) expect(r).toBe(64 * 1024);
  }, 300_000);

  it('stays byte-exact within a memory budget too small for every window, and gives it all back', async () => {
    // 10 connections, each side able to hold their state but only about 8 KiB of rings per connection.
    const memoryBytes = 10 * (CONNECTION_STATE_BYTES + 8 * 1024);
    const link = new TcpLink({ loss: 0.01, seed: 12, tcp: { memoryBytes } });
    const results = await bidirectional(link, 10, 128 * 1024);
    for (const r of results) expect(r).toBe(128 * 1024);
    const refused = link.a.counters()['rx.dropped.memory'] + link.b.counters()['rx.dropped.memory'];
    expect(refused).toBeGreaterThan(0); // the budget did bind
    await link.advance(120_000); // past TIME-WAIT
    expect(link.a.memory.used).toBe(0);
    expect(link.b.memory.used).toBe(0);
  }, 300_000);
});
