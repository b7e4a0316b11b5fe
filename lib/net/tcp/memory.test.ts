/**
 * The memory budget (TcpOptions.memoryBytes): rings sized to what they hold
 * and counted, new connections refused early with a reset, and text the
 * budget cannot hold dropped whole, before it changes any state, so that
 * nothing acknowledged is ever dropped for memory.
 */
import { describe, expect, it } from 'vitest';
import { ACK, FIN, RST, SYN } from '../wire/tcp.ts';
import { ByteBudget } from './byte-budget.ts';
import { CONNECTION_STATE_BYTES } from './layer.ts';
import { ReceiveBuffer } from './receive-buffer.ts';
import { MIN_RING_BYTES } from './ring-size.ts';
import { SendBuffer } from './send-buffer.ts';
import { RawPeer, acceptFromPeer, opt } from '../../../test/support/tcp-link.ts';

const bytes = (n: number, from = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);

describe('rings within a memory budget', () => {
  it('a send ring grows with what it holds, counts it, and goes back once all is acknowledged', () => {
    const budget = new ByteBudget(1 << 20);
    const b = new SendBuffer(64 * 1024, budget);
    expect(b.append(bytes(100), 0, 100)).toBe(100);
    expect(b.ringBytes).toBe(MIN_RING_BYTES);
    expect(b.append(bytes(5000, 100), 0, 5000)).toBe(5000);
    expect(b.ringBytes).toBe(8192);
    expect(budget.used).toBe(8192);
    const out = new Uint8Array(5100);
    b.copyOut(0, 5100, out, 0);
    expect(out).toEqual(bytes(5100));
    b.consume(5100);
    expect(b.ringBytes).toBe(0);
    expect(budget.used).toBe(0);
  });

  it('a send ring past the smallest grows only as far as the budget allows; the writer takes less and waits', () => {
    const budget = new ByteBudget(4096);
    const b = new SendBuffer(64 * 1024, budget);
    expect(b.append(bytes(10_000), 0, 10_000)).toBe(4096);
    expect(budget.used).toBe(4096);
    const tight = new ByteBudget(1000);
    const c = new SendBuffer(64 * 1024, tight);
    // The smallest ring is granted whatever the budget says: a connection must be able to answer.
    expect(c.append(bytes(10_000), 0, 10_000)).toBe(MIN_RING_BYTES);
    expect(tight.used).toBe(MIN_RING_BYTES);
  });

  it('a receive ring is reserved before the data is taken, as far as the budget allows, and given back when read', () => {
    const budget = new ByteBudget(MIN_RING_BYTES * 2);
    const r = new ReceiveBuffer(64 * 1024, budget);
    expect(r.write(0, bytes(100), 0, 100)).toBe(100);
    expect(r.ringBytes).toBe(MIN_RING_BYTES);
    // Out of order, far out: the ring would have to grow past the budget; only what the ring holds can be stored.
    expect(r.reserve(20_010)).toBe(MIN_RING_BYTES - 100);
    expect(r.write(20_000, bytes(10), 0, 10)).toBe(-1);
    expect(r.hasOutOfOrder).toBe(false);
    expect(budget.refusals).toBe(2);
    // Growing keeps the bytes in order, out-of-order ranges included.
    expect(r.write(1000, bytes(500, 1100), 0, 500)).toBe(0);
    expect(r.write(0, bytes(1000, 100), 0, 1000)).toBe(1500);
    expect(r.ringBytes).toBe(MIN_RING_BYTES);
    expect(r.write(0, bytes(1000, 1600), 0, 1000)).toBe(1000);
    expect(r.ringBytes).toBe(4096);
    expect(r.read(1 << 20)).toEqual(bytes(2600));
    expect(r.ringBytes).toBe(0);
    expect(budget.used).toBe(0);
    // However tight the budget, the smallest ring is granted: a connection always makes progress.
    const full = new ByteBudget(1);
    const tight = new ReceiveBuffer(64 * 1024, full);
    expect(tight.reserve(5000)).toBe(MIN_RING_BYTES);
    expect(full.used).toBe(MIN_RING_BYTES);
  });
});

describe('TCP layer memory budget', () => {
  it('counts each connection; answers SYNs with cookies when the budget is tight, and resets them when it is full', async () => {
    const C = CONNECTION_STATE_BYTES;
    const peer = new RawPeer({ memoryBytes: 3 * C });
    await acceptFromPeer(peer);
    peer.take();
    const syn = (port: number): void => peer.deliver({ srcPort: port, dstPort: 80, seq: 1, flags: SYN, options: opt.mss(1460) });
    syn(20000); // room: a half-open record as usual, which takes nothing from the budget until its handshake completes
    const [synAck] = peer.take();
    expect(peer.layer.memory.used).toBe(C);
    peer.deliver({ srcPort: 20000, dstPort: 80, seq: 2, ack: synAck!.seq + 1, flags: ACK });
    expect(peer.layer.memory.used).toBe(2 * C);
    syn(20001); // less than an eighth left: a cookie, nothing kept
    syn(20002);
    const [cookie1, cookie2] = peer.take();
    expect(peer.layer.counters()['syn-cookies.sent']).toBe(2);
    expect(peer.layer.memory.used).toBe(2 * C);

    peer.deliver({ srcPort: 20001, dstPort: 80, seq: 2, ack: cookie1!.seq + 1, flags: ACK });
    expect(peer.layer.counters()['syn-cookies.accepted']).toBe(1);
    expect(peer.layer.memory.used).toBe(3 * C);
    // Full: a new SYN is reset at once, and a cookie's ACK waits (dropped unacknowledged; the peer resends it).
    syn(20003);
    expect(peer.take()).toMatchObject([{ flags: RST | ACK, dstPort: 20003, ack: 2 }]);
    peer.deliver({ srcPort: 20002, dstPort: 80, seq: 2, ack: cookie2!.seq + 1, flags: ACK });
    expect(peer.take()).toEqual([]);
    const c = peer.layer.counters();
    expect(c['connections.refused-memory']).toBe(1);
    expect(c['rx.dropped.memory']).toBe(1);
    expect(c['connections.open']).toBe(3);
    expect(c['memory.used']).toBe(3 * C);
  });

  it('lets TIME-WAIT connections go, oldest first, before it has to answer with cookies', async () => {
    const C = CONNECTION_STATE_BYTES;
    const peer = new RawPeer({ memoryBytes: 3 * C });
    const h = await acceptFromPeer(peer);
    // The layer closes first: FIN, the peer's ACK and FIN, our ACK, and TIME-WAIT.
    await h.flow.close();
    const [fin] = peer.take().filter((s) => s.flags & FIN);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: h.peerNext, ack: fin!.seq + 1, flags: ACK | FIN });
    peer.take();
    expect(peer.layer.memory.used).toBe(C);
    await acceptFromPeer(peer, { port: 81, peerPort: 20000 }); // 2C: room
    expect(peer.layer.counters()['time-wait.dropped-memory']).toBe(0);
    peer.deliver({ srcPort: 20001, dstPort: 80, seq: 1, flags: SYN, options: opt.mss(1460) }); // one more would make 3C: tight, TIME-WAIT goes
    const c = peer.layer.counters();
    expect(c['time-wait.dropped-memory']).toBe(1);
    expect(c['syn-cookies.sent']).toBe(0);
    expect(c['connections.open']).toBe(2);
  });

  it('gives everything back when connections end, whatever their rings held', async () => {
    const peer = new RawPeer({ memoryBytes: 1 << 20 });
    const h = await acceptFromPeer(peer);
    void h.flow.write(bytes(5000)); // sent, never acknowledged
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: h.peerNext, ack: h.iss + 1, flags: ACK, payload: bytes(700) }); // never read
    expect(peer.layer.memory.used).toBeGreaterThan(CONNECTION_STATE_BYTES);
    h.flow.abort();
    expect(peer.layer.memory.used).toBe(0);
  });

  it('stores what the budget lets the ring hold, drops whole (before any state changes) what it cannot, and asks for memory back', async () => {
    const C = CONNECTION_STATE_BYTES;
    const peer = new RawPeer({ memoryBytes: 2 * C + MIN_RING_BYTES });
    const ts = opt.timestamp;
    const h = await acceptFromPeer(peer, { options: [...opt.mss(1460), ...ts(100, 0)] });
    const other = await acceptFromPeer(peer, { port: 81, peerPort: 40001, options: [...opt.mss(1460), ...ts(100, 0)] });
    peer.take();
    let reclaims = 0;
    peer.layer.memory.addReclaimer(() => void reclaims++);
    const echo = h.synAck.tsVal!;
    const data = (offset: number, n: number, tsVal: number): void =>
      peer.deliver({ srcPort: 40000, dstPort: 80, seq: h.peerNext + offset, ack: h.iss + 1, flags: ACK, payload: bytes(n, offset), options: ts(tsVal, echo) });
    const lastAck = (): { ack: number; tsEcr: number | null } => peer.take().filter((s) => s.dstPort === 40000).at(-1)!;

    data(0, 1000, 200);
    data(1000, 1000, 300); // the smallest ring now holds 2000 unread bytes, and the budget is spent
    data(2000, 300, 400); // room for 48 of them: stored and acknowledged, the rest trimmed
    await peer.advance(100);
    expect(lastAck()).toMatchObject({ ack: h.peerNext + MIN_RING_BYTES, tsEcr: 400 });
    data(3000, 100, 500); // nothing of it fits: dropped whole
    expect(peer.layer.counters()['rx.dropped.memory']).toBe(1);
    expect(reclaims).toBeGreaterThan(0);
    data(0, 100, 600); // an old duplicate draws an ACK at once: TS.Recent did not come from the dropped segment
    expect(lastAck()).toMatchObject({ ack: h.peerNext + MIN_RING_BYTES, tsEcr: 400 });

    other.flow.abort(); // frees a connection's worth
    expect(await h.flow.read()).toEqual(bytes(MIN_RING_BYTES));
    data(MIN_RING_BYTES, 300 - 48, 700);
    data(3000, 100, 800);
    await peer.advance(100);
    expect(lastAck()).toMatchObject({ ack: h.peerNext + 2300, tsEcr: 700 }); // (3000 is out of order: RFC 7323 keeps 700)
    expect(await h.flow.read()).toEqual(bytes(300 - 48, MIN_RING_BYTES));
  });
});
