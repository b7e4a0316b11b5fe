/** SYN-RECEIVED as a half-open record: retransmission, resets and SYNs (RFC 5961), the completing ACK. */
import { describe, expect, it } from 'vitest';
import { ACK, FIN, RST, SYN } from '../wire/tcp.ts';
import { ADDRESS_A, RawPeer, opt } from '../../../test/support/tcp-link.ts';
import { HalfOpenTable } from './half-open-table.ts';

const PEER_ISN = 5000;

/** A listener on port 80 and one SYN from port 40000 (timestamps on); returns the SYN-ACK. */
function halfOpen(peer: RawPeer, options = [...opt.mss(1460), ...opt.timestamp(100, 0)]) {
  const listener = peer.layer.listen(ADDRESS_A, 80);
  peer.deliver({ srcPort: 40000, dstPort: 80, seq: PEER_ISN, flags: SYN, options });
  const [synAck] = peer.take();
  expect(synAck).toMatchObject({ flags: SYN | ACK, ack: PEER_ISN + 1 });
  return { listener, synAck: synAck! };
}

describe('a half-open connection', () => {
  it('counts as open, resends its SYN-ACK with backoff, and goes silently after synRetries', async () => {
    const peer = new RawPeer({ synRetries: 3 });
    const { synAck } = halfOpen(peer);
    expect(peer.layer.counters()['connections.open']).toBe(1);
    const resent: number[] = [];
    for (let t = 0; t < 30_000; t += 250) {
      await peer.advance(250);
      for (const s of peer.take()) {
        expect(s).toMatchObject({ flags: SYN | ACK, seq: synAck.seq, ack: PEER_ISN + 1, tsEcr: 100 });
        resent.push(peer.clock.nowMs());
      }
    }
    expect(resent).toEqual([1000, 3000, 7000]);
    const c = peer.layer.counters();
    expect(c['connections.open']).toBe(0);
    expect(c['connections.timed-out']).toBe(1);
    // Its ACK now finds only the listener (no cookie was sent): a reset.
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: PEER_ISN + 1, ack: synAck.seq + 1, flags: ACK });
    expect(peer.take()).toMatchObject([{ flags: RST, seq: synAck.seq + 1 }]);
  });

  it('goes back to LISTEN on a reset at RCV.NXT, challenges one elsewhere in the window, drops one outside', async () => {
    const peer = new RawPeer();
    const { listener, synAck } = halfOpen(peer);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: PEER_ISN + 100, flags: RST });
    expect(peer.take()).toMatchObject([{ flags: ACK, seq: synAck.seq + 1, ack: PEER_ISN + 1, tsEcr: 100 }]);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: PEER_ISN + 1 + (1 << 30), flags: RST });
    expect(peer.take()).toEqual([]);
    expect(peer.layer.counters()['challenge-acks']).toBe(1);
    // Still there: the ACK completes it.
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: PEER_ISN + 1, ack: synAck.seq + 1, flags: ACK, options: opt.timestamp(101, synAck.tsVal!) });
    expect((await listener.accept()).remote.port).toBe(40000);

    peer.deliver({ srcPort: 40001, dstPort: 80, seq: PEER_ISN, flags: SYN });
    peer.take();
    expect(peer.layer.counters()['connections.open']).toBe(2);
    peer.deliver({ srcPort: 40001, dstPort: 80, seq: PEER_ISN + 1, flags: RST });
    expect(peer.take()).toEqual([]);
    expect(peer.layer.counters()['connections.open']).toBe(1);
  });

  it('challenges a SYN with another sequence number (RFC 5961 §4) and keeps the record', async () => {
    const peer = new RawPeer();
    const { listener, synAck } = halfOpen(peer);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: PEER_ISN + 10, flags: SYN, options: opt.timestamp(102, 0) });
    expect(peer.take()).toMatchObject([{ flags: ACK, seq: synAck.seq + 1, ack: PEER_ISN + 1 }]);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: PEER_ISN + 1, ack: synAck.seq + 1, flags: ACK, options: opt.timestamp(103, synAck.tsVal!) });
    expect((await listener.accept()).remote.port).toBe(40000);
  });

  it('drops an ACK whose timestamp is older than the SYN\'s (PAWS)', () => {
    const peer = new RawPeer();
    const { synAck } = halfOpen(peer);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: PEER_ISN + 1, ack: synAck.seq + 1, flags: ACK, options: opt.timestamp(99, synAck.tsVal!) });
    const c = peer.layer.counters();
    expect(c['rx.dropped.paws']).toBe(1);
    expect(c['connections.established']).toBe(0);
  });

  it('becomes a connection on the ACK, with the text and FIN it carried', async () => {
    const peer = new RawPeer();
    const { listener, synAck } = halfOpen(peer, [...opt.mss(1460), ...opt.wscale(3), ...opt.sackPermitted()]);
    expect(synAck).toMatchObject({ windowShift: 2, sackPermitted: true, tsVal: null });
    const text = new Uint8Array([1, 2, 3]);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: PEER_ISN + 1, ack: synAck.seq + 1, flags: ACK | FIN, window: 100, payload: text });
    const flow = await listener.accept();
    expect(await flow.read()).toEqual(text);
    expect(await flow.read()).toBeNull();
    await peer.advance(0);
    // Acknowledged up to the FIN; the peer's window of 100 scaled by 3 bounds what the connection sends.
    expect(peer.take().at(-1)).toMatchObject({ flags: ACK, ack: PEER_ISN + 1 + 3 + 1 });
    void flow.write(new Uint8Array(2000));
    await peer.advance(0);
    expect(peer.take().reduce((n, s) => n + s.payload.length, 0)).toBe(800);
  });

  it('keeps the record while the accept queue is full, and completes on the ACK resent once there is room', async () => {
    const peer = new RawPeer();
    const listener = peer.layer.listen(ADDRESS_A, 80, { backlog: 1 });
    const synAcks = [1, 2].map((port) => {
      peer.deliver({ srcPort: port, dstPort: 80, seq: PEER_ISN, flags: SYN });
      return peer.take()[0]!.seq;
    });
    const ack = (port: number): void => peer.deliver({ srcPort: port, dstPort: 80, seq: PEER_ISN + 1, ack: synAcks[port - 1]! + 1, flags: ACK });
    ack(1);
    ack(2);
    expect(peer.layer.counters()['rx.dropped.accept-queue-full']).toBe(1);
    expect(peer.layer.counters()['connections.open']).toBe(2);
    expect((await listener.accept()).remote.port).toBe(1);
    ack(2);
    expect((await listener.accept()).remote.port).toBe(2);
  });
});

describe('the half-open table', () => {
  it('finds every record among colliding chains while records come and go', () => {
    const t = new HalfOpenTable(64, 12345);
    const live = new Map<string, number>();
    let x = 1;
    const next = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    for (let step = 0; step < 5000; step++) {
      const port = next() % 200; // few 4-tuples: long chains, frequent reuse
      const key = `${port}`;
      const found = t.find(ADDRESS_A, 80, 0x0a000002, port);
      expect(found).toBe(live.get(key) ?? -1);
      if (found >= 0) {
        t.remove(found);
        live.delete(key);
      } else if (!t.full) {
        const r = t.add(ADDRESS_A, 80, 0x0a000002, port);
        t.deadline[r] = 1;
        live.set(key, r);
      }
      expect(t.count).toBe(live.size);
    }
    for (const [port, r] of live) expect(t.find(ADDRESS_A, 80, 0x0a000002, Number(port))).toBe(r);
  });
});
