/** Loss recovery: RTO with backoff and give-up, fast retransmit, SACK-driven retransmission, limited transmit, NewReno partial ACKs. */
import { describe, expect, it } from 'vitest';
import { ACK, RST } from '../wire/tcp.ts';
import { VirtualClock } from '../../testing/virtual-clock.ts';
import { RawPeer, acceptFromPeer, opt, type Handshake } from '../../../test/support/tcp-link.ts';

const P = { srcPort: 40000, dstPort: 80 };
const MSS = 1000;

/** A connection whose peer announced MSS 1000 (and SACK when asked), 12 segments acknowledged, then `segments` more written. */
async function withFlight(peer: RawPeer, segments: number, sack: boolean): Promise<Handshake> {
  const options = [...opt.mss(MSS), ...(sack ? opt.sackPermitted() : [])];
  const h = await acceptFromPeer(peer, { options });
  peer.take();
  // Open cwnd first: three rounds of four segments, each acknowledged (slow start grows it to 16 segments).
  for (let round = 0; round < 3; round++) {
    void h.flow.write(new Uint8Array(MSS * 4));
    await peer.advance(0);
    const last = peer.take().at(-1)!;
    peer.deliver({ ...P, seq: h.peerNext, ack: last.seq + last.payload.length, flags: ACK, window: 65535 });
    peer.take();
  }
  void h.flow.write(new Uint8Array(MSS * segments));
  await peer.advance(0);
  return h;
}

const una = (h: Handshake): number => h.iss + 1 + 12 * MSS;

describe('retransmission timeout (RFC 6298)', () => {
  it('retransmits after 1 s, doubles the timeout each time, then fails with timed-out and a reset', async () => {
    const peer = new RawPeer({ maxRetransmits: 3 });
    const h = await acceptFromPeer(peer, { options: opt.mss(MSS) });
    peer.take();
    const reading = h.flow.read().catch((e) => e);
    await h.flow.write(new Uint8Array(100));
    expect(peer.take()).toHaveLength(1);
    const times: number[] = [];
    for (let t = 0; t < 20_000; t += 100) {
      await peer.advance(100);
      for (const s of peer.take()) times.push(s.flags & RST ? -peer.clock.nowMs() : peer.clock.nowMs());
    }
    expect(times).toEqual([1000, 3000, 7000, -15000]);
    expect((await reading).code).toBe('timed-out');
    expect(peer.layer.counters()['connections.timed-out']).toBe(1);
  });

  it('measures the round trip and bases the timeout on it, with the 1 s floor', async () => {
    const peer = new RawPeer({ minRtoMs: 200 });
    const h = await acceptFromPeer(peer, { options: opt.mss(MSS) });
    peer.take();
    await h.flow.write(new Uint8Array(100));
    const [seg] = peer.take();
    await peer.advance(50);
    peer.deliver({ ...P, seq: h.peerNext, ack: seg!.seq + 100, flags: ACK });
    await h.flow.write(new Uint8Array(100));
    peer.take();
    // SRTT 50, RTTVAR 25: RTO = 50 + 4 * 25 = 150, floored at 200.
    await peer.advance(199);
    expect(peer.take()).toEqual([]);
    await peer.advance(1);
    expect(peer.take()).toHaveLength(1);
  });
});

/** A clock whose reading lags a hair behind the deadlines it fires, as float rounding can make any clock do. */
class LaggingClock extends VirtualClock {
  override nowMs(): number {
    return super.nowMs() - 1e-6;
  }
}

describe('timers', () => {
  it('fire once even when the clock reads a hair below the deadline', async () => {
    const peer = new RawPeer({ maxRetransmits: 2 }, 1500, new LaggingClock());
    const h = await acceptFromPeer(peer, { options: opt.mss(MSS) });
    peer.take();
    const reading = h.flow.read().catch((e) => e.code);
    await h.flow.write(new Uint8Array(10));
    await peer.advance(10_000);
    expect(peer.take()).toHaveLength(4); // data, two retransmissions, the reset
    expect(await reading).toBe('timed-out');
  });
});

describe('sending across the 2^32 sequence wrap', () => {
  it('segments, retransmits SACK holes and completes when the ISN sits just below 2^32', async () => {
    const peer = new RawPeer();
    const listener = peer.layer.listen(0, 80);
    // ISN = F(4-tuple) + 4 µs ticks (RFC 6528): learn F, then move the clock so the next ISN is 2^32 - 2500.
    peer.deliver({ ...P, seq: 1, flags: 0x02 });
    const f = peer.take()[0]!.seq;
    peer.deliver({ ...P, seq: 2, flags: RST });
    const ticks = (0x100000000 - 2500 - f + 0x100000000) % 0x100000000;
    await peer.advance(ticks / 250);
    peer.deliver({ ...P, seq: 1000, flags: 0x02, options: [...opt.mss(MSS), ...opt.sackPermitted()] });
    const synAck = peer.take()[0]!;
    expect(synAck.seq).toBe(0x100000000 - 2500);
    peer.deliver({ ...P, seq: 1001, ack: (synAck.seq + 1) >>> 0, flags: ACK });
    const flow = await listener.accept();
    const data = Uint8Array.from({ length: 4 * MSS }, (_, i) => (i * 7) & 255);
    await flow.write(data);
    const sent = peer.take();
    expect(sent.map((x) => x.payload.length)).toEqual([MSS, MSS, MSS, MSS]);
    const base = (synAck.seq + 1) >>> 0;
    expect(sent.map((x) => (x.seq - base) >>> 0)).toEqual([0, MSS, 2 * MSS, 3 * MSS]);
    // Segments 0 and 2 lost; the peer SACKs 1 and 3 (the second block lies past the wrap).
    const at = (n: number): number => (base + n) >>> 0;
    const sack = opt.sack([at(3 * MSS), at(4 * MSS)], [at(MSS), at(2 * MSS)]);
    for (let i = 0; i < 3; i++) peer.deliver({ ...P, seq: 1001, ack: base, flags: ACK, options: sack });
    const resent = peer.take().filter((x) => x.payload.length > 0);
    expect(resent.map((x) => ((x.seq - base) >>> 0) / MSS).sort()).toEqual([0, 2]);
    expect(resent.find((x) => x.seq === at(2 * MSS))!.payload).toEqual(data.subarray(2 * MSS, 3 * MSS));
    peer.deliver({ ...P, seq: 1001, ack: at(4 * MSS), flags: ACK });
    await flow.close();
    expect(peer.take().at(-1)).toMatchObject({ flags: 0x11, seq: at(4 * MSS) });
  });
});

describe('acknowledging while retransmitting', () => {
  it('sends pure ACKs with SND.MAX, so a peer that has everything does not drop them as old', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer, { options: opt.mss(MSS) });
    peer.take();
    await h.flow.write(new Uint8Array(3 * MSS));
    const flight = peer.take();
    expect(flight).toHaveLength(3);
    await peer.advance(1000);
    expect(peer.take().map((s) => s.seq)).toEqual([h.iss + 1]); // the timeout resends from SND.UNA
    // Two segments from the peer make the layer acknowledge at once.
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 1, flags: ACK, payload: new Uint8Array(10) });
    peer.deliver({ ...P, seq: h.peerNext + 10, ack: h.iss + 1, flags: ACK, payload: new Uint8Array(10) });
    const [ack] = peer.take();
    expect(ack).toMatchObject({ flags: ACK, ack: h.peerNext + 20, seq: h.iss + 1 + 3 * MSS });
    expect(ack!.payload.length).toBe(0);
  });
});

describe('fast retransmit and recovery', () => {
  it('retransmits the first segment after three duplicate ACKs, once (RFC 5681)', async () => {
    const peer = new RawPeer();
    const h = await withFlight(peer, 8, false);
    const sent = peer.take();
    expect(sent.length).toBeGreaterThanOrEqual(8);
    for (let i = 0; i < 3; i++) peer.deliver({ ...P, seq: h.peerNext, ack: una(h), flags: ACK, window: 65535 });
    const out = peer.take();
    expect(out.filter((s) => s.seq === una(h) && s.payload.length === MSS)).toHaveLength(1);
    expect(peer.layer.counters()['retransmits.fast']).toBe(1);
    expect(peer.layer.counters()['fast-recoveries']).toBe(1);
  });

  it('sends one new segment on each of the first two duplicate ACKs (limited transmit, RFC 3042)', async () => {
    const peer = new RawPeer();
    const h = await withFlight(peer, 40, false);
    const flight = peer.take();
    const highest = flight.at(-1)!.seq + flight.at(-1)!.payload.length;
    peer.deliver({ ...P, seq: h.peerNext, ack: una(h), flags: ACK, window: 65535 });
    const first = peer.take();
    expect(first.map((s) => s.seq)).toEqual([highest]);
    peer.deliver({ ...P, seq: h.peerNext, ack: una(h), flags: ACK, window: 65535 });
    expect(peer.take().map((s) => s.seq)).toEqual([highest + MSS]);
  });

  it('with SACK, retransmits only the blocks the peer is missing', async () => {
    const peer = new RawPeer();
    const h = await withFlight(peer, 10, true);
    const flight = peer.take();
    expect(flight).toHaveLength(10);
    const u = una(h);
    // The peer has segments 1-3 and 5-9 (0-based), missing 0 and 4.
    const sack = opt.sack([u + 5 * MSS, u + 10 * MSS], [u + MSS, u + 4 * MSS]);
    for (let i = 0; i < 3; i++) peer.deliver({ ...P, seq: h.peerNext, ack: u, flags: ACK, window: 65535, options: sack });
    const retransmitted = peer
      .take()
      .filter((s) => s.payload.length > 0 && s.seq < u + 10 * MSS)
      .map((s) => (s.seq - u) / MSS);
    expect(retransmitted.sort()).toEqual([0, 4]);
    expect(peer.layer.counters()['retransmits.sack']).toBe(1);
  });

  it('retransmits a hole again when the peer SACKs data sent after its retransmission', async () => {
    const peer = new RawPeer();
    const h = await withFlight(peer, 10, true);
    peer.take();
    const u = una(h);
    void h.flow.write(new Uint8Array(4 * MSS));
    // Segment 0 is lost; 1-9 arrive.
    const sack1 = opt.sack([u + MSS, u + 10 * MSS]);
    for (let i = 0; i < 3; i++) peer.deliver({ ...P, seq: h.peerNext, ack: u, flags: ACK, window: 65535, options: sack1 });
    const first = peer.take();
    expect(first.filter((s) => s.seq === u)).toHaveLength(1);
    const newData = first.filter((s) => s.seq >= u + 10 * MSS);
    expect(newData.length).toBeGreaterThan(0);
    // The retransmission of 0 is lost too, but new data sent after it arrives.
    const end = newData.at(-1)!.seq + MSS;
    peer.deliver({ ...P, seq: h.peerNext, ack: u, flags: ACK, window: 65535, options: opt.sack([u + MSS, end]) });
    expect(peer.take().filter((s) => s.seq === u)).toHaveLength(1);
    expect(peer.layer.counters()['retransmits.lost-detected']).toBe(1);
    expect(peer.layer.counters()['retransmits.timeout']).toBe(0);
  });

  it('keeps recovering through partial ACKs without SACK (NewReno, RFC 6582)', async () => {
    const peer = new RawPeer();
    const h = await withFlight(peer, 10, false);
    peer.take();
    const u = una(h);
    for (let i = 0; i < 3; i++) peer.deliver({ ...P, seq: h.peerNext, ack: u, flags: ACK, window: 65535 });
    expect(peer.take().some((s) => s.seq === u)).toBe(true);
    // Segment 0 arrives; segment 3 was lost too: the partial ACK stops at it.
    peer.deliver({ ...P, seq: h.peerNext, ack: u + 3 * MSS, flags: ACK, window: 65535 });
    const afterPartial = peer.take();
    expect(afterPartial.some((s) => s.seq === u + 3 * MSS && s.payload.length === MSS)).toBe(true);
    expect(peer.layer.counters()['fast-recoveries']).toBe(1);
  });

  it('does not count ACKs carrying data or window changes as duplicates', async () => {
    const peer = new RawPeer();
    const h = await withFlight(peer, 8, false);
    peer.take();
    let seq = h.peerNext;
    for (let i = 0; i < 3; i++) {
      peer.deliver({ ...P, seq, ack: una(h), flags: ACK, window: 65535, payload: new Uint8Array(10) });
      seq += 10;
    }
    for (let i = 0; i < 3; i++) peer.deliver({ ...P, seq, ack: una(h), flags: ACK, window: 60000 + i });
    expect(peer.layer.counters()['retransmits.fast']).toBe(0);
  });
});
