import { describe, expect, it } from 'vitest';
import { probedStack, stackPair, PROBE as P, STACK_A as A } from '../../testing/stack-fixtures.ts';
import { drive } from '../../testing/drive.ts';
import { ipv4Frame, udpDatagram } from '../../testing/frames.ts';
import { PROTOCOL_UDP } from '../wire/ipv4.ts';
import { UdpView } from '../wire/udp.ts';
import { StackError } from '../../devices/stack.ts';


const pair = () => stackPair();
const withProbe = () => probedStack();

describe('UDP', () => {
  it('exchanges datagrams both ways with the right endpoints', async () => {
    const { clock, sw, a, b } = await pair();
    const server = await b.bindUdp(53);
    const client = await a.bindUdp(0);
    expect(client.local.port).toBeGreaterThanOrEqual(49152);
    await client.send(new TextEncoder().encode('question'), { address: '10.0.0.3', port: 53 });
    const q = await drive(clock, sw, server.receive());
    expect(new TextDecoder().decode(q.data)).toBe('question');
    expect(q.from).toEqual({ address: '10.0.0.2', port: client.local.port });
    await server.send(new TextEncoder().encode('answer'), q.from);
    const r = await drive(clock, sw, client.receive());
    expect(new TextDecoder().decode(r.data)).toBe('answer');
    expect(r.from).toEqual({ address: '10.0.0.3', port: 53 });
  });

  it('sends a correct checksum, verifies received ones, accepts none (zero)', async () => {
    const { clock, sw, probe, net, stack } = await withProbe();
    const sock = await stack.bindUdp(7);
    await sock.send(new Uint8Array([1, 2, 3]), { address: '10.0.0.9', port: 9 });
    await sw.settle();
    const [f] = probe.take();
    const v = new UdpView();
    expect(v.wrap(f!, 34, f!.length, A, P)).toBeNull();
    expect(f![34 + 6]! | f![34 + 7]!).not.toBe(0);

    const bad = udpDatagram(P, A, 9, 7, new Uint8Array([7]));
    bad[8] ^= 0x40;
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_UDP }, bad));
    const none = udpDatagram(P, A, 9, 7, new Uint8Array([8]));
    none[6] = 0;
    none[7] = 0;
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_UDP }, none));
    const d = await drive(clock, sw, sock.receive());
    expect([...d.data]).toEqual([8]);
    expect(stack.counters().udp!['rx.dropped.checksum']).toBe(1);
  });

  it('drops datagrams whose length field lies', async () => {
    const { sw, probe, net, stack } = await withProbe();
    await stack.bindUdp(7);
    const d = udpDatagram(P, A, 9, 7, new Uint8Array(10));
    d[5] = 40;
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_UDP }, d));
    await sw.settle();
    expect(stack.counters().udp!['rx.dropped.length']).toBe(1);
  });

  it('refuses a taken port, bad addresses, oversize datagrams and use after close', async () => {
    const { a } = await pair();
    const s = await a.bindUdp(1000);
    await expect(a.bindUdp(1000)).rejects.toMatchObject({ code: 'address-in-use' });
    await expect(a.bindUdp(70000)).rejects.toMatchObject({ code: 'invalid-address' });
    await expect(a.bindUdp(1001, '10.0.0.99')).rejects.toMatchObject({ code: 'invalid-address' });
    await expect(s.send(new Uint8Array(1), { address: 'nowhere', port: 1 })).rejects.toMatchObject({ code: 'invalid-address' });
    await expect(s.send(new Uint8Array(1), { address: '10.0.0.3', port: 0 })).rejects.toMatchObject({ code: 'invalid-address' });
    await expect(s.send(new Uint8Array(65508), { address: '10.0.0.3', port: 1 })).rejects.toMatchObject({ code: 'message-size' });
    const loop = await a.bindUdp(0, '127.0.0.1');
    await expect(loop.send(new Uint8Array(1), { address: '10.0.0.3', port: 1 })).rejects.toMatchObject({ code: 'unreachable' });
    const waiting = s.receive();
    await s.close();
    await expect(waiting).rejects.toBeInstanceOf(StackError);
    await expect(s.receive()).rejects.toMatchObject({ code: 'closed' });
    await expect(s.send(new Uint8Array(1), { address: '10.0.0.3', port: 1 })).rejects.toMatchObject({ code: 'closed' });
    // The port is free again.
    await (await a.bindUdp(1000)).close();
  });

  it('bounds the receive queue and counts what it drops', async () => {
    const { sw, a, b } = await stackPair({}, {}, { udp: { receiveQueueDatagrams: 4 } });
    const rx = await b.bindUdp(7);
    const tx = await a.bindUdp(0);
    for (let i = 0; i < 10; i++) await tx.send(new Uint8Array([i]), { address: '10.0.0.3', port: 7 });
    await sw.settle();
    expect(b.counters().udp!['rx.dropped.queue-full']).toBe(6);
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await rx.receive()).data[0]);
    expect(got).toEqual([0, 1, 2, 3]);
  });

  it('iterates datagrams until the socket closes', async () => {
    const { clock, sw, a, b } = await pair();
    const rx = await b.bindUdp(7);
    const tx = await a.bindUdp(0);
    for (let i = 0; i < 3; i++) await tx.send(new Uint8Array([i]), { address: '10.0.0.3', port: 7 });
    const seen: number[] = [];
    const loop = (async () => {
      for await (const d of rx) {
        seen.push(d.data[0]!);
        if (seen.length === 3) await rx.close();
      }
    })();
    await drive(clock, sw, loop);
    expect(seen).toEqual([0, 1, 2]);
  });
});
