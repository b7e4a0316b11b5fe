/** Receiving and sending windows: out-of-window and out-of-order data, delayed ACKs, zero windows and persist probes, back-pressure, Nagle. */
import { describe, expect, it } from 'vitest';
import { ACK, PSH } from '../wire/tcp.ts';
import { RawPeer, acceptFromPeer, opt } from '../../../test/support/tcp-link.ts';

const P = { srcPort: 40000, dstPort: 80 };
const bytes = (n: number, v = 1): Uint8Array => new Uint8Array(n).fill(v);

describe('receiving', () => {
  it('drops data beyond the window and acknowledges', async () => {
    const peer = new RawPeer({ receiveBufferSize: 4096 });
    const h = await acceptFromPeer(peer);
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext + 100_000, ack: h.iss + 1, flags: ACK, payload: bytes(100) });
    const [ack] = peer.take();
    expect(ack).toMatchObject({ flags: ACK, ack: h.peerNext });
    expect(peer.layer.counters()['rx.dropped.out-of-window']).toBe(1);
  });

  it('acknowledges out-of-order data at once with SACK blocks, most recent first, and delivers in order once the gap fills', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer, { options: [...opt.mss(1460), ...opt.sackPermitted()] });
    peer.take();
    const base = h.peerNext;
    peer.deliver({ ...P, seq: base + 100, ack: h.iss + 1, flags: ACK, payload: bytes(100, 2) });
    peer.deliver({ ...P, seq: base + 300, ack: h.iss + 1, flags: ACK, payload: bytes(100, 4) });
    const [d1, d2] = peer.take();
    expect(d1).toMatchObject({ ack: base, sack: [[base + 100, base + 200]] });
    expect(d2).toMatchObject({ ack: base, sack: [[base + 300, base + 400], [base + 100, base + 200]] });
    peer.deliver({ ...P, seq: base, ack: h.iss + 1, flags: ACK, payload: bytes(100, 1) });
    const [fill] = peer.take();
    expect(fill).toMatchObject({ ack: base + 200, sack: [[base + 300, base + 400]] });
    const got = await h.flow.read();
    expect(got).toEqual(new Uint8Array([...bytes(100, 1), ...bytes(100, 2)]));
  });

  it('delays the ACK of one segment, and ACKs every second segment at once', async () => {
    const peer = new RawPeer({ delayedAckMs: 40 });
    const h = await acceptFromPeer(peer);
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 1, flags: ACK, payload: bytes(100) });
    expect(peer.take()).toEqual([]);
    await peer.advance(39);
    expect(peer.take()).toEqual([]);
    await peer.advance(1);
    expect(peer.take()).toMatchObject([{ flags: ACK, ack: h.peerNext + 100 }]);
    peer.deliver({ ...P, seq: h.peerNext + 100, ack: h.iss + 1, flags: ACK, payload: bytes(100) });
    peer.deliver({ ...P, seq: h.peerNext + 200, ack: h.iss + 1, flags: ACK, payload: bytes(100) });
    expect(peer.take()).toMatchObject([{ flags: ACK, ack: h.peerNext + 300 }]);
  });

  it('closes the window as unread data piles up and opens it when the application reads', async () => {
    const peer = new RawPeer({ receiveBufferSize: 4096 });
    const h = await acceptFromPeer(peer);
    expect(h.synAck.window).toBe(4096);
    peer.take();
    let seq = h.peerNext;
    for (let i = 0; i < 4; i++) {
      peer.deliver({ ...P, seq, ack: h.iss + 1, flags: ACK, payload: bytes(1024) });
      seq += 1024;
    }
    const acks = peer.take();
    expect(acks.at(-1)).toMatchObject({ ack: seq, window: 0 });
    // A segment into the zero window is not taken, and is answered.
    peer.deliver({ ...P, seq, ack: h.iss + 1, flags: ACK, payload: bytes(10) });
    expect(peer.take()).toMatchObject([{ ack: seq, window: 0 }]);
    const chunk = await h.flow.read();
    expect(chunk!.length).toBe(4096);
    await peer.advance(0);
    // The read opened the window: a window update goes out without waiting.
    expect(peer.take()).toMatchObject([{ ack: seq, window: 4096 }]);
  });
});

describe('sequence numbers wrapping past 2^32', () => {
  it('trims overlapping data and reassembles across the wrap', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer, { peerIsn: 0xffffff00, options: [...opt.mss(1460), ...opt.sackPermitted()] });
    peer.take();
    const at = (n: number): number => (h.peerNext + n) >>> 0;
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 255);
    // 0..300 in order, 500..1000 out of order (across the wrap), then 200..600 overlapping both.
    peer.deliver({ ...P, seq: at(0), ack: h.iss + 1, flags: ACK, payload: data.subarray(0, 300) });
    peer.deliver({ ...P, seq: at(500), ack: h.iss + 1, flags: ACK, payload: data.subarray(500) });
    expect(peer.take().at(-1)).toMatchObject({ ack: at(300), sack: [[at(500), at(1000)]] });
    peer.deliver({ ...P, seq: at(200), ack: h.iss + 1, flags: ACK, payload: data.subarray(200, 600) });
    expect(peer.take().at(-1)).toMatchObject({ ack: at(1000) });
    // A segment entirely old, from before the wrap, is outside the window: dropped and acknowledged.
    peer.deliver({ ...P, seq: at(0), ack: h.iss + 1, flags: ACK, payload: data.subarray(0, 100) });
    expect(peer.take()).toMatchObject([{ ack: at(1000) }]);
    expect(peer.layer.counters()['rx.dropped.out-of-window']).toBe(1);
    let got = new Uint8Array(0);
    while (got.length < 1000) got = new Uint8Array([...got, ...(await h.flow.read())!]);
    expect(got).toEqual(data);
  });
});

describe('receiving a FIN', () => {
  it('remembers a FIN that arrives before the data in front of it', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext + 5, ack: h.iss + 1, flags: ACK | 0x01, payload: bytes(5, 2) });
    expect(peer.take()).toMatchObject([{ ack: h.peerNext }]);
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 1, flags: ACK, payload: bytes(5, 1) });
    expect(peer.take()).toMatchObject([{ ack: h.peerNext + 11 }]);
    expect(await h.flow.read()).toEqual(new Uint8Array([...bytes(5, 1), ...bytes(5, 2)]));
    expect(await h.flow.read()).toBeNull();
  });
});

describe('sending', () => {
  /** A connection whose peer (MSS 1460, first offering 65535) shrinks its window to `window`, then 5000 bytes written. */
  async function writeIntoSmallWindow(window: number) {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer, { window: 65535, options: opt.mss(1460) });
    peer.take();
    const una = h.iss + 1;
    peer.deliver({ ...P, seq: h.peerNext, ack: una, flags: ACK, window });
    void h.flow.write(bytes(5000));
    return { peer, h, una };
  }

  it('holds data back from a window below one segment, and sends what it allows at the override timeout when no update comes', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer, { window: 65535, options: opt.mss(1460) });
    peer.take();
    void h.flow.write(bytes(20_000));
    await peer.advance(0);
    const first = peer.take();
    const end = Math.max(...first.map((s) => s.seq + s.payload.length));
    // Everything is acknowledged, but the peer now offers 1088 bytes: less than a segment and than half its
    // largest window, so SWS avoidance holds the data; then the peer is silent (its window update was lost).
    peer.deliver({ ...P, seq: h.peerNext, ack: end, flags: ACK, window: 1088 });
    await peer.advance(0);
    expect(peer.take()).toEqual([]);
    await peer.advance(200);
    expect(peer.take()).toMatchObject([{ seq: end, payload: { length: 1088 } }]);
  });

  it('sends at once when the window opens before the override timeout, and times what it sent by the RTO', async () => {
    const { peer, h, una } = await writeIntoSmallWindow(100);
    await peer.advance(100);
    expect(peer.take()).toEqual([]);
    peer.deliver({ ...P, seq: h.peerNext, ack: una, flags: ACK, window: 65535 });
    await peer.advance(0);
    expect(peer.take()[0]).toMatchObject({ seq: una, payload: { length: 1460 } });
    // The override deadline does not stand in for the retransmission timer of what is now in flight.
    await peer.advance(500);
    expect(peer.take()).toEqual([]);
    expect(peer.layer.counters()['retransmits']).toBe(0);
  });

  it('retransmits a segment sent into a window below one segment when it is lost', async () => {
    const { peer, una } = await writeIntoSmallWindow(100);
    await peer.advance(200);
    expect(peer.take()).toMatchObject([{ seq: una, payload: { length: 100 } }]);
    // That segment is lost: the retransmission timer resends it, SWS avoidance does not hold it back.
    await peer.advance(1000);
    expect(peer.take()).toMatchObject([{ seq: una, payload: { length: 100 } }]);
    expect(peer.layer.counters()['retransmits.timeout']).toBe(1);
  });

  it('probes a zero window with backoff and resumes when it opens', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    const una = h.iss + 1;
    peer.deliver({ ...P, seq: h.peerNext, ack: una, flags: ACK, window: 0 });
    void h.flow.write(bytes(3000));
    await peer.advance(0);
    expect(peer.take()).toEqual([]);
    const probes: number[] = [];
    for (let t = 0; t < 8000; t += 250) {
      await peer.advance(250);
      for (const s of peer.take()) {
        expect(s.payload.length).toBe(1);
        expect(s.seq).toBe(una);
        probes.push(peer.clock.nowMs());
        // Still zero: the answer acknowledges nothing.
        peer.deliver({ ...P, seq: h.peerNext, ack: una, flags: ACK, window: 0 });
      }
    }
    expect(probes).toEqual([1000, 3000, 7000]);
    peer.deliver({ ...P, seq: h.peerNext, ack: una, flags: ACK, window: 65535 });
    await peer.advance(0);
    const data = peer.take();
    expect(data[0]!.seq).toBe(una);
    expect(data.reduce((n, s) => n + s.payload.length, 0)).toBeGreaterThanOrEqual(2920);
    expect(peer.layer.counters()['zero-window-probes']).toBe(3);
  });

  it('gives writers back-pressure when the send buffer is full', async () => {
    const peer = new RawPeer({ sendBufferSize: 4096 });
    const h = await acceptFromPeer(peer, { window: 65535 });
    peer.take();
    let done = false;
    const writing = h.flow.write(bytes(10_000)).then(() => (done = true));
    await peer.advance(0);
    expect(done).toBe(false);
    const sent = peer.take();
    const sentBytes = sent.reduce((n, s) => n + s.payload.length, 0);
    expect(sentBytes).toBeLessThanOrEqual(4096);
    // Acknowledging everything lets the rest in.
    let acked = h.iss + 1;
    for (let i = 0; i < 10 && !done; i++) {
      acked = Math.max(acked, ...peer.sent.map((s) => s.seq + s.payload.length), ...sent.map((s) => s.seq + s.payload.length));
      peer.take();
      peer.deliver({ ...P, seq: h.peerNext, ack: acked, flags: ACK, window: 65535 });
      await peer.advance(0);
    }
    await writing;
    expect(done).toBe(true);
  });

  it('coalesces small writes with Nagle, and sends each at once with noDelay', async () => {
    for (const noDelay of [false, true]) {
      const peer = new RawPeer({ noDelay });
      const h = await acceptFromPeer(peer);
      peer.take();
      await h.flow.write(bytes(10));
      await h.flow.write(bytes(10));
      await h.flow.write(bytes(10));
      const out = peer.take();
      if (noDelay) {
        expect(out.map((s) => s.payload.length)).toEqual([10, 10, 10]);
      } else {
        expect(out.map((s) => s.payload.length)).toEqual([10]);
        peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 11, flags: ACK });
        expect(peer.take()).toMatchObject([{ flags: ACK | PSH, payload: bytes(20) }]);
      }
    }
  });
});
