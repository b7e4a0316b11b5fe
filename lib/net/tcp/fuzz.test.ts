/**
 * Hostile input: 100,000 random and mutated segments aimed at a layer with a
 * listener and live connections. Nothing may throw out of the layer, state
 * must stay bounded, and the layer must still work afterwards.
 */
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../testing/seeded-random.ts';
import { fillTcpChecksum } from '../wire/tcp.ts';
import { ADDRESS_A, ADDRESS_B, RawPeer, acceptFromPeer, craft, opt } from '../../../test/support/tcp-link.ts';

const SEGMENTS = Number(process.env.KILN_FUZZ_SEGMENTS ?? 100_000);

describe('TCP fuzz', () => {
  it(`survives ${SEGMENTS} random and mutated segments with bounded state`, async () => {
    const peer = new RawPeer({ synBacklog: 64, backlog: 16, keepalive: { idleMs: 5000, intervalMs: 1000, probes: 3 } });
    const rnd = new SeededRandom(Number(process.env.KILN_FUZZ_SEED ?? 1234));
    const live = [];
    for (let i = 0; i < 4; i++) {
      const h = await acceptFromPeer(peer, {
        peerPort: 40000 + i,
        options: [...opt.mss(1460), ...opt.wscale(4), ...opt.sackPermitted(), ...opt.timestamp(1000, 0)],
      });
      await h.listener.close().catch(() => undefined);
      live.push(h);
      void h.flow.write(new Uint8Array(5000));
    }
    const listener = peer.layer.listen(ADDRESS_A, 80);
    const accepting = (async () => {
      for await (const flow of listener) {
        void flow.read().catch(() => undefined);
        void flow.write(new Uint8Array(100)).catch(() => undefined);
      }
    })();
    // Templates near the real connections' sequence space, so mutations reach deep states.
    const templates = live.map((h) =>
      craft(ADDRESS_B, ADDRESS_A, {
        srcPort: h.peerPort,
        dstPort: h.port,
        seq: h.peerNext,
        ack: h.iss + 1,
        flags: 0x18,
        options: [...opt.timestamp(2000, 0), ...opt.sack([h.iss + 100, h.iss + 200])],
        payload: new Uint8Array(64).fill(7),
      }),
    );
    let thrown = 0;
    let maxOpen = 0;
    for (let i = 0; i < SEGMENTS; i++) {
      let seg: Uint8Array;
      const kind = rnd.int(4);
      if (kind === 0) {
        seg = new Uint8Array(rnd.int(80));
        rnd.fill(seg);
      } else {
        seg = templates[rnd.int(templates.length)]!.slice();
        const flips = 1 + rnd.int(6);
        for (let k = 0; k < flips; k++) seg[rnd.int(Math.min(seg.length, kind === 1 ? 20 : seg.length))] = rnd.int(256);
        if (kind === 3) seg = seg.subarray(0, rnd.int(seg.length + 1));
      }
      // Most mutated segments get a correct checksum so they reach the state machines.
      if (seg.length >= 20 && rnd.chance(0.9)) fillTcpChecksum(seg, seg.length, ADDRESS_B, ADDRESS_A);
      try {
        peer.layer.input(ADDRESS_B, ADDRESS_A, seg);
      } catch {
        thrown++;
      }
      if (i % 1000 === 0) {
        peer.take();
        await peer.advance(rnd.int(3000));
        maxOpen = Math.max(maxOpen, peer.layer.counters()['connections.open']!);
      }
    }
    peer.take();
    expect(thrown).toBe(0);
    // Half-open connections are capped by the SYN backlog, completed ones by the accept queue and closes.
    expect(maxOpen).toBeLessThan(4 + 64 + 16 + 200);
    // Time heals: everything not alive times out or closes.
    await peer.advance(3_600_000);
    await listener.close();
    await accepting;
    // The layer still opens connections afterwards.
    peer.take();
    const fresh = await acceptFromPeer(peer, { port: 81, peerPort: 5555 });
    peer.deliver({ srcPort: 5555, dstPort: 81, seq: fresh.peerNext, ack: fresh.iss + 1, flags: 0x10, payload: new Uint8Array([1]) });
    expect(await fresh.flow.read()).toEqual(new Uint8Array([1]));
  }, 300_000);
});
