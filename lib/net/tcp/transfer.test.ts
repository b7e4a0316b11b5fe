/**
 * Bulk transfer between two TCP layers over a faulty wire: 16 MB in each
 * direction at once, byte-exact, under each kind of fault; and many
 * connections at once.
 */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../devices/flow.ts';
import { ADDRESS_A, ADDRESS_B, TcpLink, type LinkOptions } from './test-support.ts';

const MB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** Deterministic, position-dependent bytes, so loss, duplication or misordering cannot go unseen. */
const TABLE = (() => {
  const t = new Uint8Array(MB);
  let x = 0x12345678;
  for (let i = 0; i < t.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    t[i] = x & 255;
  }
  return t;
})();

function patternByte(stream: number, i: number): number {
  return TABLE[(i + stream * 4099) & (MB - 1)]! ^ ((i >>> 20) & 255);
}

function fill(stream: number, offset: number, out: Uint8Array): void {
  for (let k = 0; k < out.length; k++) out[k] = patternByte(stream, offset + k);
}

async function sendAll(flow: Flow, stream: number, total: number): Promise<void> {
  const chunk = new Uint8Array(CHUNK);
  for (let off = 0; off < total; off += CHUNK) {
    const n = Math.min(CHUNK, total - off);
    fill(stream, off, chunk.subarray(0, n));
    await flow.write(chunk.subarray(0, n));
  }
  await flow.shutdown();
}

/** Reads to end of stream, checking every byte; returns the count. */
async function receiveAll(flow: Flow, stream: number): Promise<number> {
  let got = 0;
  for await (const chunk of flow) {
    for (let k = 0; k < chunk.length; k++) {
      if (chunk[k] !== patternByte(stream, got + k)) throw new Error(`stream ${stream}: byte ${got + k} differs`);
    }
    got += chunk.length;
  }
  return got;
}

/** Both directions at once on one flow; resolves with the bytes received. */
async function exchange(flow: Flow, sendStream: number, receiveStream: number, total: number): Promise<number> {
  const [, got] = await Promise.all([sendAll(flow, sendStream, total), receiveAll(flow, receiveStream)]);
  await flow.close();
  return got;
}

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
});
