/** RFC 5961: resets, SYNs and ACKs that do not fit the connection; PAWS (RFC 7323). */
import { describe, expect, it } from 'vitest';
import { ACK, RST, SYN } from '../wire/tcp.ts';
import { RawPeer, acceptFromPeer, opt } from '../../../test/support/tcp-link.ts';

const P = { srcPort: 40000, dstPort: 80 };

describe('RST validation (RFC 5961 §3)', () => {
  it('a reset exactly at RCV.NXT resets the flow', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    const reading = h.flow.read();
    peer.deliver({ ...P, seq: h.peerNext, flags: RST });
    await expect(reading).rejects.toMatchObject({ code: 'reset' });
    await expect(h.flow.write(new Uint8Array(1))).rejects.toMatchObject({ code: 'reset' });
    expect(peer.layer.counters()['connections.open']).toBe(0);
  });

  it('a blind reset inside the window but not at RCV.NXT gets a challenge ACK, not a reset', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext + 1000, flags: RST });
    const [challenge] = peer.take();
    expect(challenge).toMatchObject({ flags: ACK, ack: h.peerNext, seq: h.iss + 1 });
    expect(peer.layer.counters()['challenge-acks']).toBe(1);
    // Still alive: data flows.
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 1, flags: ACK, payload: new Uint8Array([1, 2, 3]) });
    expect(await h.flow.read()).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('a reset outside the window is dropped silently', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext + 10_000_000, flags: RST });
    expect(peer.take()).toEqual([]);
    expect(peer.layer.counters()['connections.open']).toBe(1);
  });

  it('limits challenge ACKs per second', async () => {
    const peer = new RawPeer({ challengeAcksPerSecond: 2 });
    const h = await acceptFromPeer(peer);
    peer.take();
    for (let i = 1; i <= 5; i++) peer.deliver({ ...P, seq: h.peerNext + i * 10, flags: RST });
    expect(peer.take()).toHaveLength(2);
    expect(peer.layer.counters()['challenge-acks.suppressed']).toBe(3);
    await peer.advance(1000);
    peer.deliver({ ...P, seq: h.peerNext + 5, flags: RST });
    expect(peer.take()).toHaveLength(1);
  });
});

describe('SYN and ACK validation (RFC 5961 §4, §5)', () => {
  it('a SYN on an established connection gets a challenge ACK, whatever its sequence number', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext, flags: SYN });
    peer.deliver({ ...P, seq: 123, flags: SYN });
    const out = peer.take();
    expect(out).toHaveLength(2);
    for (const s of out) expect(s).toMatchObject({ flags: ACK, ack: h.peerNext });
    expect(peer.layer.counters()['connections.open']).toBe(1);
  });

  it('an ACK of data never sent is answered with an ACK and dropped, with its data', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 5000, flags: ACK, payload: new Uint8Array(10) });
    const [ack] = peer.take();
    expect(ack).toMatchObject({ flags: ACK, ack: h.peerNext });
    expect(peer.layer.counters()['rx.dropped.bad-ack']).toBe(1);
  });

  it('an ACK far below SND.UNA is dropped (RFC 5961 §5.2)', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer);
    peer.take();
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss - 1_000_000, flags: ACK, payload: new Uint8Array(10) });
    expect(peer.layer.counters()['rx.dropped.bad-ack']).toBe(1);
    const reading = h.flow.read();
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 1, flags: ACK, payload: new Uint8Array([9]) });
    expect(await reading).toEqual(new Uint8Array([9]));
  });
});

describe('PAWS (RFC 7323 §5)', () => {
  it('drops a segment whose timestamp is older than TS.Recent and acknowledges', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer, { options: [...opt.mss(1460), ...opt.timestamp(1000, 0)] });
    peer.take();
    const tsEcr = h.synAck.tsVal!;
    peer.deliver({ ...P, seq: h.peerNext, ack: h.iss + 1, flags: ACK, options: opt.timestamp(2000, tsEcr), payload: new Uint8Array([1]) });
    expect(await h.flow.read()).toEqual(new Uint8Array([1]));
    // A wrapped-around old duplicate: in the window, but its timestamp is older.
    peer.deliver({ ...P, seq: h.peerNext + 1, ack: h.iss + 1, flags: ACK, options: opt.timestamp(1500, tsEcr), payload: new Uint8Array([2]) });
    await peer.advance(100);
    const acks = peer.take();
    expect(peer.layer.counters()['rx.dropped.paws']).toBe(1);
    expect(acks.at(-1)).toMatchObject({ ack: h.peerNext + 1, tsEcr: 2000 });
  });

  it('echoes the latest in-order timestamp', async () => {
    const peer = new RawPeer();
    const h = await acceptFromPeer(peer, { options: [...opt.mss(1460), ...opt.timestamp(1000, 0)] });
    peer.take();
    for (let i = 0; i < 2; i++) {
      peer.deliver({ ...P, seq: h.peerNext + i * 100, ack: h.iss + 1, flags: ACK, options: opt.timestamp(3000 + i, 1), payload: new Uint8Array(100) });
    }
    const [ack] = peer.take();
    expect(ack!.tsEcr).toBe(3000); // the delayed ACK rule: the earliest unacknowledged segment's TSval (RFC 7323 §4.3)
  });
});
