/** Opening connections: option negotiation, active, passive and simultaneous open, refusals, timeouts, ISNs. */
import { describe, expect, it } from 'vitest';
import { FlowError } from '../../devices/flow.ts';
import { StackError } from '../../devices/stack.ts';
import { ACK, RST, SYN } from '../wire/tcp.ts';
import { ADDRESS_A, ADDRESS_B, RawPeer, TcpLink, opt } from '../../../test/support/tcp-link.ts';

describe('TCP passive open', () => {
  it('answers a SYN with the options the peer offered, and accepts after the ACK', async () => {
    const peer = new RawPeer();
    const listener = peer.layer.listen(ADDRESS_A, 80);
    peer.deliver({
      srcPort: 40000,
      dstPort: 80,
      seq: 5000,
      flags: SYN,
      options: [...opt.mss(1400), ...opt.wscale(7), ...opt.sackPermitted(), ...opt.timestamp(777, 0)],
    });
    const [synAck] = peer.take();
    expect(synAck!.flags).toBe(SYN | ACK);
    expect(synAck!.ack).toBe(5001);
    expect(synAck!.mss).toBe(1460);
    expect(synAck!.windowShift).toBe(2); // 128 KiB receive buffer needs a shift of 2
    expect(synAck!.sackPermitted).toBe(true);
    expect(synAck!.tsEcr).toBe(777);
    expect(synAck!.window).toBe(65535);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: 5001, ack: synAck!.seq + 1, flags: ACK, options: opt.timestamp(778, synAck!.tsVal!) });
    const flow = await listener.accept();
    expect(flow.remote).toEqual({ address: '10.0.0.2', port: 40000 });
    expect(flow.local).toEqual({ address: '10.0.0.1', port: 80 });
    expect(peer.layer.counters()['connections.established']).toBe(1);
  });

  it('offers no window scaling, SACK or timestamps to a peer that did not, and segments by 536 bytes without an MSS', async () => {
    const peer = new RawPeer();
    const listener = peer.layer.listen(ADDRESS_A, 80);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: 1, flags: SYN });
    const [synAck] = peer.take();
    expect(synAck!.windowShift).toBe(-1);
    expect(synAck!.sackPermitted).toBe(false);
    expect(synAck!.tsVal).toBeNull();
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: 2, ack: synAck!.seq + 1, flags: ACK, window: 65535 });
    const flow = await listener.accept();
    void flow.write(new Uint8Array(2000));
    await peer.advance(0);
    const data = peer.take();
    expect(data.map((s) => s.payload.length)).toEqual([536, 536, 536]);
    // Nagle holds the short tail until the data before it is acknowledged.
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: 2, ack: data[2]!.seq + 536, flags: ACK, window: 65535 });
    expect(peer.take().map((s) => s.payload.length)).toEqual([392]);
  });

  it('answers a repeated SYN in SYN-RECEIVED with the SYN-ACK again', () => {
    const peer = new RawPeer();
    peer.layer.listen(ADDRESS_A, 80);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: 9, flags: SYN });
    const [first] = peer.take();
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: 9, flags: SYN });
    const [again] = peer.take();
    expect(again!.flags).toBe(SYN | ACK);
    expect(again!.seq).toBe(first!.seq);
  });

  it('resets an ACK with a bad acknowledgement number in SYN-RECEIVED', () => {
    const peer = new RawPeer();
    peer.layer.listen(ADDRESS_A, 80);
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: 9, flags: SYN });
    const [synAck] = peer.take();
    peer.deliver({ srcPort: 40000, dstPort: 80, seq: 10, ack: synAck!.seq + 99, flags: ACK });
    const [rst] = peer.take();
    expect(rst!.flags).toBe(RST);
    expect(rst!.seq).toBe((synAck!.seq + 99) >>> 0);
  });

  it('rejects a second listener on the same port with address-in-use', () => {
    const peer = new RawPeer();
    peer.layer.listen(0, 80);
    expect(() => peer.layer.listen(ADDRESS_A, 80)).toThrow(StackError);
    try {
      peer.layer.listen(0, 80);
    } catch (err) {
      expect((err as StackError).code).toBe('address-in-use');
    }
  });
});

describe('TCP active open', () => {
  it('sends a SYN with every option and completes on the SYN-ACK', async () => {
    const peer = new RawPeer();
    const connecting = peer.layer.connect(ADDRESS_A, ADDRESS_B, 80);
    const [syn] = peer.take();
    expect(syn!.flags).toBe(SYN);
    expect(syn!.mss).toBe(1460);
    expect(syn!.windowShift).toBe(2);
    expect(syn!.sackPermitted).toBe(true);
    expect(syn!.tsVal).not.toBeNull();
    expect(syn!.srcPort).toBeGreaterThanOrEqual(49152);
    peer.deliver({ srcPort: 80, dstPort: syn!.srcPort, seq: 300, ack: syn!.seq + 1, flags: SYN | ACK, options: opt.mss(1000) });
    const flow = await connecting;
    const [ack] = peer.take();
    expect(ack!.flags).toBe(ACK);
    expect(ack!.ack).toBe(301);
    expect(flow.remote).toEqual({ address: '10.0.0.2', port: 80 });
    void flow.write(new Uint8Array(1500));
    await peer.advance(0);
    const [first, ...none] = peer.take();
    expect(first!.payload.length).toBe(1000);
    expect(none).toEqual([]); // Nagle
    peer.deliver({ srcPort: 80, dstPort: syn!.srcPort, seq: 301, ack: first!.seq + 1000, flags: ACK });
    expect(peer.take().map((s) => s.payload.length)).toEqual([500]);
  });

  it('fails with refused when the peer answers with a reset', async () => {
    const peer = new RawPeer();
    const connecting = peer.layer.connect(ADDRESS_A, ADDRESS_B, 81);
    const [syn] = peer.take();
    peer.deliver({ srcPort: 81, dstPort: syn!.srcPort, seq: 0, ack: syn!.seq + 1, flags: RST | ACK });
    await expect(connecting).rejects.toMatchObject({ code: 'refused' });
    expect(peer.layer.counters()['connections.open']).toBe(0);
  });

  it('ignores a reset in SYN-SENT that does not acknowledge the SYN (RFC 5961)', async () => {
    const peer = new RawPeer();
    const connecting = peer.layer.connect(ADDRESS_A, ADDRESS_B, 81);
    const [syn] = peer.take();
    peer.deliver({ srcPort: 81, dstPort: syn!.srcPort, seq: 0, flags: RST });
    peer.deliver({ srcPort: 81, dstPort: syn!.srcPort, seq: 0, ack: syn!.seq + 7, flags: RST | ACK });
    peer.deliver({ srcPort: 81, dstPort: syn!.srcPort, seq: 300, ack: syn!.seq + 1, flags: SYN | ACK });
    await expect(connecting).resolves.toBeDefined();
  });

  it('fails with refused on ICMP port unreachable', async () => {
    const peer = new RawPeer();
    const connecting = peer.layer.connect(ADDRESS_A, ADDRESS_B, 82);
    const [syn] = peer.take();
    peer.layer.icmpUnreachable(ADDRESS_A, ADDRESS_B, syn!.srcPort, 82, 3);
    await expect(connecting).rejects.toMatchObject({ code: 'refused' });
  });

  it('retransmits the SYN with exponential backoff, then times out', async () => {
    const peer = new RawPeer({ synRetries: 3 });
    let error: unknown = null;
    peer.layer.connect(ADDRESS_A, ADDRESS_B, 83).catch((e) => (error = e));
    expect(peer.take()).toHaveLength(1);
    const times: number[] = [];
    for (let t = 0; t < 20_000; t += 100) {
      await peer.advance(100);
      for (const s of peer.take()) if (s.flags === SYN) times.push(peer.clock.nowMs());
    }
    peer.take();
    expect(times).toEqual([1000, 3000, 7000]);
    expect(error).toBeInstanceOf(FlowError);
    expect((error as FlowError).code).toBe('timed-out');
  });

  it('reports unreachable when ICMP host unreachable came before the timeout', async () => {
    const peer = new RawPeer();
    const connecting = peer.layer.connect(ADDRESS_A, ADDRESS_B, 84, { timeoutMs: 5000 });
    const [syn] = peer.take();
    peer.layer.icmpUnreachable(ADDRESS_A, ADDRESS_B, syn!.srcPort, 84, 1);
    const result = connecting.catch((e: FlowError) => e.code);
    await peer.advance(6000);
    expect(await result).toBe('unreachable');
  });

  it('reports unreachable when the IP layer could not send (no route, ARP failure) until the timeout', async () => {
    const peer = new RawPeer({ synRetries: 2 });
    peer.deliverable = false;
    const result = peer.layer.connect(ADDRESS_A, ADDRESS_B, 86).catch((e: FlowError) => e.code);
    await peer.advance(10_000);
    expect(await result).toBe('unreachable');
    expect(peer.layer.counters()['tx.dropped']).toBe(3);
  });

  it('completes a simultaneous open (RFC 9293 figure 8)', async () => {
    const peer = new RawPeer();
    const connecting = peer.layer.connect(ADDRESS_A, ADDRESS_B, 85);
    const [syn] = peer.take();
    peer.deliver({ srcPort: 85, dstPort: syn!.srcPort, seq: 700, flags: SYN, options: opt.mss(1460) });
    const [synAck] = peer.take();
    expect(synAck!.flags).toBe(SYN | ACK);
    expect(synAck!.seq).toBe(syn!.seq);
    expect(synAck!.ack).toBe(701);
    peer.deliver({ srcPort: 85, dstPort: syn!.srcPort, seq: 700, ack: syn!.seq + 1, flags: SYN | ACK, options: opt.mss(1460) });
    peer.deliver({ srcPort: 85, dstPort: syn!.srcPort, seq: 701, ack: syn!.seq + 1, flags: ACK });
    await expect(connecting).resolves.toBeDefined();
  });

  it('rejects bad arguments with typed errors', async () => {
    const peer = new RawPeer();
    await expect(peer.layer.connect(ADDRESS_A, ADDRESS_B, 0)).rejects.toMatchObject({ code: 'invalid-address' });
    await expect(peer.layer.connect(ADDRESS_A, 0, 80)).rejects.toMatchObject({ code: 'invalid-address' });
    expect(() => peer.layer.listen(ADDRESS_A, 70000)).toThrow(StackError);
  });
});

describe('TCP segments for no socket', () => {
  it('answers a SYN to a closed port with RST|ACK and an ACK with RST at its acknowledgement number', () => {
    const peer = new RawPeer();
    peer.deliver({ srcPort: 1234, dstPort: 99, seq: 50, flags: SYN });
    peer.deliver({ srcPort: 1234, dstPort: 99, seq: 50, ack: 4444, flags: ACK, payload: new Uint8Array(10) });
    peer.deliver({ srcPort: 1234, dstPort: 99, seq: 50, flags: RST });
    const [a, b, ...rest] = peer.take();
    expect(a).toMatchObject({ flags: RST | ACK, seq: 0, ack: 51 });
    expect(b).toMatchObject({ flags: RST, seq: 4444 });
    expect(rest).toEqual([]);
    expect(peer.layer.counters()['rx.dropped.no-socket']).toBe(3);
  });
});

describe('initial sequence numbers (RFC 6528)', () => {
  it('differ between 4-tuples and advance with the clock for one 4-tuple', async () => {
    const peer = new RawPeer();
    const l = peer.layer.listen(ADDRESS_A, 80);
    const isnFor = (port: number): number => {
      peer.deliver({ srcPort: port, dstPort: 80, seq: 1, flags: SYN });
      const s = peer.take()[0]!;
      peer.deliver({ srcPort: port, dstPort: 80, seq: 2, flags: RST });
      return s.seq;
    };
    const a = isnFor(1001);
    const b = isnFor(1002);
    expect(a).not.toBe(b);
    await peer.advance(1000);
    const a2 = isnFor(1001);
    // 1 s of a 4 µs clock: 250,000 later, exactly.
    expect((a2 - a) >>> 0).toBe(250_000);
    void l.close();
  });
});

describe('TCP over a link', () => {
  it('carries data both ways after a real handshake', async () => {
    const link = new TcpLink();
    const listener = link.b.listen(ADDRESS_B, 7);
    const client = await link.drive(link.a.connect(ADDRESS_A, ADDRESS_B, 7));
    const server = await link.drive(listener.accept());
    await link.drive(client.write(new TextEncoder().encode('ping')));
    expect(new TextDecoder().decode((await link.drive(server.read()))!)).toBe('ping');
    await link.drive(server.write(new TextEncoder().encode('pong')));
    expect(new TextDecoder().decode((await link.drive(client.read()))!)).toBe('pong');
  });
});

