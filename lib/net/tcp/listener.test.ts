/** Listeners under pressure: SYN backlog and SYN cookies (RFC 4987), the accept queue, closing a listener. */
import { describe, expect, it } from 'vitest';
import { ACK, RST, SYN } from '../wire/tcp.ts';
import { ADDRESS_A, ADDRESS_B, RawPeer, TcpLink, acceptFromPeer, opt } from '../../../test/support/tcp-link.ts';

describe('SYN flood', () => {
  it('answers SYNs beyond the SYN backlog with cookies, and established connections keep working', async () => {
    const peer = new RawPeer({ synBacklog: 4 });
    const h = await acceptFromPeer(peer);
    await peer.advance(1000); // the flood starts a second later: its first SYNs are not a burst yet
    peer.take();
    for (let i = 0; i < 100; i++) peer.deliver({ srcPort: 20000 + i, dstPort: 80, seq: i * 1000, flags: SYN, options: opt.mss(1460) });
    const synAcks = peer.take();
    expect(synAcks).toHaveLength(100);
    const c = peer.layer.counters();
    expect(c['syn-cookies.sent']).toBe(96);
    expect(c['connections.open']).toBe(1 + 4);
    // The established connection still carries data.
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: h.peerNext, ack: h.iss + 1, flags: ACK, payload: new Uint8Array([42]) });
    expect(await h.flow.read()).toEqual(new Uint8Array([42]));
  });

  it('answers a burst statelessly once more SYNs came in a second than the backlog holds, though half-open ones are reset at once', () => {
    const peer = new RawPeer({ synBacklog: 4 });
    peer.layer.listen(ADDRESS_A, 80);
    // Spoofed hosts reset each SYN-ACK, so the SYN backlog never fills.
    for (let i = 0; i < 10; i++) {
      peer.deliver({ srcPort: 20000 + i, dstPort: 80, seq: i * 1000, flags: SYN, options: opt.mss(1460) });
      const [synAck] = peer.take();
      peer.deliver({ srcPort: 20000 + i, dstPort: 80, seq: i * 1000 + 1, flags: RST });
      expect(synAck!.flags).toBe(SYN | ACK);
    }
    let c = peer.layer.counters();
    expect(c['connections.passive']).toBe(4);
    expect(c['syn-cookies.sent']).toBe(6);
    expect(c['connections.open']).toBe(0);
    // A SYN offering window scaling without timestamps would lose it to a cookie: it still gets state.
    peer.deliver({ srcPort: 30000, dstPort: 80, seq: 1, flags: SYN, options: [...opt.mss(1460), ...opt.wscale(7)] });
    expect(peer.take()).toMatchObject([{ flags: SYN | ACK, windowShift: 2 }]);
    c = peer.layer.counters();
    expect(c['connections.passive']).toBe(5);
    expect(c['syn-cookies.sent']).toBe(6);
  });

  it('completes a connection from a valid cookie, with the MSS, window scale and SACK it carried', async () => {
    const peer = new RawPeer({ synBacklog: 1 });
    const listener = peer.layer.listen(ADDRESS_A, 80);
    peer.deliver({ srcPort: 30000, dstPort: 80, seq: 1, flags: SYN });
    peer.take();
    const options = [...opt.mss(1400), ...opt.wscale(3), ...opt.sackPermitted(), ...opt.timestamp(500, 0)];
    peer.deliver({ srcPort: 30001, dstPort: 80, seq: 7000, flags: SYN, options });
    const [synAck] = peer.take();
    expect(peer.layer.counters()['syn-cookies.sent']).toBe(1);
    expect(synAck!.windowShift).toBe(2);
    expect(synAck!.sackPermitted).toBe(true);
    expect(peer.layer.counters()['connections.open']).toBe(1); // nothing kept for the cookie
    peer.deliver({ srcPort: 30001, dstPort: 80, seq: 7001, ack: synAck!.seq + 1, flags: ACK, window: 1000, options: opt.timestamp(501, synAck!.tsVal!) });
    const flow = await listener.accept();
    expect(flow.remote.port).toBe(30001);
    expect(peer.layer.counters()['syn-cookies.accepted']).toBe(1);
    // MSS 1400 from the cookie table (minus 12 bytes of timestamps), window scaled by 3: 8000 bytes of window.
    void flow.write(new Uint8Array(20_000));
    await peer.advance(0);
    const sent = peer.take();
    expect(sent[0]!.payload.length).toBe(1388);
    expect(sent.reduce((n, s) => n + s.payload.length, 0)).toBeLessThanOrEqual(8000);
    expect(sent[0]!.tsVal).not.toBeNull();
  });

  it('resets an ACK whose cookie does not check out', () => {
    const peer = new RawPeer({ synBacklog: 1 });
    peer.layer.listen(ADDRESS_A, 80);
    peer.deliver({ srcPort: 30000, dstPort: 80, seq: 1, flags: SYN });
    peer.deliver({ srcPort: 30001, dstPort: 80, seq: 1, flags: SYN });
    const [, cookieSynAck] = peer.take();
    peer.deliver({ srcPort: 30001, dstPort: 80, seq: 2, ack: cookieSynAck!.seq + 2, flags: ACK });
    expect(peer.take()).toMatchObject([{ flags: RST }]);
    expect(peer.layer.counters()['rx.dropped.bad-cookie']).toBe(1);
  });

  it('stops answering SYNs while the accept queue is full', async () => {
    const peer = new RawPeer();
    await acceptFromPeer(peer, { backlog: 1, peerPort: 1 });
    // Accepted above; fill the queue with one more, not accepted.
    peer.deliver({ srcPort: 2, dstPort: 80, seq: 1, flags: SYN });
    const [synAck] = peer.take();
    peer.deliver({ srcPort: 2, dstPort: 80, seq: 2, ack: synAck!.seq + 1, flags: ACK });
    peer.deliver({ srcPort: 3, dstPort: 80, seq: 1, flags: SYN });
    expect(peer.take()).toEqual([]);
    expect(peer.layer.counters()['rx.dropped.accept-queue-full']).toBe(1);
  });
});

describe('closing a listener', () => {
  it('rejects pending accepts with closed and resets connections nobody accepted', async () => {
    const peer = new RawPeer();
    const listener = peer.layer.listen(ADDRESS_A, 80);
    peer.deliver({ srcPort: 2, dstPort: 80, seq: 1, flags: SYN });
    const [synAck] = peer.take();
    peer.deliver({ srcPort: 2, dstPort: 80, seq: 2, ack: synAck!.seq + 1, flags: ACK });
    peer.deliver({ srcPort: 3, dstPort: 80, seq: 1, flags: SYN });
    peer.take();
    await listener.close();
    expect(peer.take().map((s) => s.flags & RST)).toEqual([RST, RST]);
    await expect(listener.accept()).rejects.toMatchObject({ code: 'closed' });
    expect(peer.layer.counters()['connections.open']).toBe(0);
    // The port is free again.
    expect(() => peer.layer.listen(ADDRESS_A, 80)).not.toThrow();
  });

  it('ends async iteration when closed', async () => {
    const link = new TcpLink();
    const listener = link.b.listen(ADDRESS_B, 9);
    const seen: number[] = [];
    const iterating = (async () => {
      for await (const flow of listener) seen.push(flow.remote.port);
    })();
    await link.drive(link.a.connect(ADDRESS_A, ADDRESS_B, 9));
    await link.drive(link.a.connect(ADDRESS_A, ADDRESS_B, 9));
    await link.advance(10);
    await listener.close();
    await iterating;
    expect(seen).toHaveLength(2);
  });
});

describe('keepalive (opt-in)', () => {
  it('probes an idle connection and fails it with timed-out when probes go unanswered', async () => {
    const peer = new RawPeer({ keepalive: { idleMs: 10_000, intervalMs: 1000, probes: 3 } });
    const h = await acceptFromPeer(peer);
    peer.take();
    const reading = h.flow.read().catch((e) => e.code);
    const probes: number[] = [];
    for (let t = 0; t < 20_000; t += 500) {
      await peer.advance(500);
      for (const s of peer.take()) if (!(s.flags & RST)) probes.push(peer.clock.nowMs());
    }
    expect(probes).toEqual([10_000, 11_000, 12_000]);
    expect(await reading).toBe('timed-out');
  });

  it('keeps a connection whose peer answers', async () => {
    const peer = new RawPeer({ keepalive: { idleMs: 10_000, intervalMs: 1000, probes: 3 } });
    const h = await acceptFromPeer(peer);
    peer.take();
    for (let t = 0; t < 60_000; t += 500) {
      await peer.advance(500);
      for (const s of peer.take()) {
        expect(s.seq).toBe(h.iss); // SND.NXT - 1
        peer.deliver({ srcPort: 40000, dstPort: 80, seq: h.peerNext, ack: h.iss + 1, flags: ACK });
      }
    }
    expect(peer.layer.counters()['keepalive-probes']).toBe(6);
    expect(peer.layer.counters()['connections.open']).toBe(1);
  });

  it('is off by default', async () => {
    const peer = new RawPeer();
    await acceptFromPeer(peer);
    peer.take();
    await peer.advance(3_600_000);
    expect(peer.take()).toEqual([]);
  });
});
