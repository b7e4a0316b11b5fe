/** Ending connections: passive, active and simultaneous close, TIME-WAIT, half-close, close with unread data, abort. */
import { describe, expect, it } from 'vitest';
import { ACK, FIN, RST, SYN } from '../wire/tcp.ts';
import { RawPeer, acceptFromPeer, opt } from '../../../test/support/tcp-link.ts';

const P = { srcPort: 40000, dstPort: 80 };

describe('TCP close', () => {
  it('passive close: the peer FIN ends the stream, our close sends FIN, its ACK ends the connection', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 1, flags: FIN | ACK, payload: new Uint8Array([7]) });
    expect(peer.take()).toMatchObject([{ flags: ACK, ack: h.peerNext + 2 }]);
    expect(await h.flow.read()).toEqual(new Uint8Array([7]));
    expect(await h.flow.read()).toBeNull();
    // Half-closed: we may still send.
    await h.flow.write(new Uint8Array([1, 2]));
    await h.flow.close();
    const out = peer.take();
    expect(out.at(-1)).toMatchObject({ flags: FIN | ACK, seq: h.iss + 3 });
    peer.deliver({ ...P, seq: h.peerNext + 2, ack: h.iss + 4, flags: ACK });
    expect(peer.layer.counters()['connections.open']).toBe(0);
  });

  it('active close: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT for 2 MSL, re-acknowledging a repeated FIN', async () => {
    const peer = new RawPeer({ mslMs: 1000 });
    const h = await acceptFromPeer(peer);
    peer.take();
    await h.flow.shutdown();
    const [fin] = peer.take();
    expect(fin).toMatchObject({ flags: FIN | ACK, seq: h.iss + 1 });
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 2, flags: ACK });
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 2, flags: FIN | ACK });
    expect(peer.take()).toMatchObject([{ flags: ACK, ack: h.peerNext + 1 }]);
    expect(await h.flow.read()).toBeNull();
    await peer.advance(1500);
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 2, flags: FIN | ACK });
    expect(peer.take()).toMatchObject([{ flags: ACK, ack: h.peerNext + 1 }]);
    // The repeated FIN restarted the 2 MSL wait.
    await peer.advance(1999);
    expect(peer.layer.counters()['connections.open']).toBe(1);
    await peer.advance(1);
    expect(peer.layer.counters()['connections.open']).toBe(0);
  });

  it('ignores a reset in TIME-WAIT (RFC 1337)', async () => {
    const peer = new RawPeer({ mslMs: 1000 });
    const h = await acceptFromPeer(peer);
    peer.take();
    await h.flow.shutdown();
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 2, flags: FIN | ACK });
    peer.deliver({ ...P, seq: h.peerNext + 1, flags: RST });
    expect(peer.layer.counters()['connections.open']).toBe(1);
    await peer.advance(2000);
    expect(peer.layer.counters()['connections.open']).toBe(0);
  });

  it('simultaneous close goes through CLOSING to TIME-WAIT', async () => {
    const peer = new RawPeer({ mslMs: 1000 });
    const h = await acceptFromPeer(peer);
    peer.take();
    await h.flow.shutdown();
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 1, flags: FIN | ACK });
    expect(peer.take()).toMatchObject([{ flags: ACK, ack: h.peerNext + 1 }]);
    peer.deliver({ ...P, seq: h.peerNext + 1, ack: h.iss + 2, flags: ACK });
    expect(peer.layer.counters()['connections.open']).toBe(1);
    await peer.advance(2000);
    expect(peer.layer.counters()['connections.open']).toBe(0);
  });

  it('a new SYN with a higher sequence number reopens a connection in TIME-WAIT', async () => {
    const peer = new RawPeer({ mslMs: 60_000 });
    const h = await acceptFromPeer(peer);
    peer.take();
    await h.flow.shutdown();
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 2, flags: FIN | ACK });
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext + 100_000, flags: SYN, options: opt.mss(1460) });
    expect(peer.take()).toMatchObject([{ flags: SYN | ACK, ack: h.peerNext + 100_001 }]);
    expect(peer.layer.counters()['time-wait.reused']).toBe(1);
  });

  it('closing with unread data resets the connection', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 1, flags: ACK, payload: new Uint8Array(10) });
    await h.flow.close();
    expect(peer.take().at(-1)).toMatchObject({ flags: RST | ACK, seq: h.iss + 1 });
  });

  it('data arriving after close is answered with a reset', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    await h.flow.close();
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 2, flags: ACK, payload: new Uint8Array(10) });
    expect(peer.take().at(-1)!.flags & RST).toBe(RST);
    expect(peer.layer.counters()['rx.dropped.after-close']).toBe(1);
  });

  it('abort sends a reset and fails pending operations with closed', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    const reading = h.flow.read();
    h.flow.abort();
    await expect(reading).rejects.toMatchObject({ code: 'closed' });
    expect(peer.take()).toMatchObject([{ flags: RST | ACK }]);
    await expect(h.flow.write(new Uint8Array(1))).rejects.toMatchObject({ code: 'closed' });
  });

  it('refuses writes after shutdown, and reads go on', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    await h.flow.shutdown();
    await expect(h.flow.write(new Uint8Array(1))).rejects.toMatchObject({ code: 'closed' });
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 2, flags: ACK, payload: new Uint8Array([5]) });
    expect(await h.flow.read()).toEqual(new Uint8Array([5]));
  });

  it('sends the FIN only after data that was still waiting for window', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer, { window: 1000, options: opt.mss(500) });
    peer.take();
    void h.flow.write(new Uint8Array(3000));
    const shut = h.flow.shutdown();
    await peer.advance(0);
    const first = peer.take();
    expect(first.every((s) => (s.flags & FIN) === 0)).toBe(true);
    let acked = h.iss + 1;
    for (let i = 0; i < 10; i++) {
      acked = Math.max(acked, ...first.map((s) => s.seq + s.payload.length), ...peer.sent.map((s) => s.seq + s.payload.length));
      const got = peer.take();
      if (got.some((s) => s.flags & FIN)) {
        expect(got.find((s) => s.flags & FIN)!.seq + got.find((s) => s.flags & FIN)!.payload.length).toBe(h.iss + 3001);
        break;
      }
      peer.deliver({ ...P, seq: h.peerNext, ack: acked, flags: ACK, window: 1000 });
      await peer.advance(0);
      first.push(...peer.sent);
    }
    await shut;
  });
});
