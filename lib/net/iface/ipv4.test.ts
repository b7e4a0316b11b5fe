import { describe, expect, it } from 'vitest';
import { probedStack, stackPair, PROBE as P, STACK_A as A } from '../../testing/stack-fixtures.ts';
import { drive, driveFor } from '../../testing/drive.ts';
import { ethernetFrame, ipv4Frame, ipv4Packet, refreshIpv4Checksum, udpDatagram } from '../../testing/frames.ts';
import { parseIpv4 } from '../../ipv4-text.ts';
import { ETHERTYPE_IPV4 } from '../wire/ethernet.ts';
import { ICMP_TIME_EXCEEDED, IcmpView, TIME_EXCEEDED_REASSEMBLY } from '../wire/icmpv4.ts';
import { Ipv4View, PROTOCOL_ICMP, PROTOCOL_UDP } from '../wire/ipv4.ts';


async function setup() {
  const t = await probedStack();
  return { ...t, sock: await t.stack.bindUdp(7) };
}

/** A UDP datagram to port 7 cut into IPv4 fragments of `size` data bytes (a multiple of 8). */
function fragments(id: number, data: Uint8Array, size: number): { offset: number; more: boolean; bytes: Uint8Array }[] {
  const d = udpDatagram(P, A, 9, 7, data);
  const out = [];
  for (let off = 0; off < d.length; off += size) {
    out.push({ offset: off, more: off + size < d.length, bytes: d.subarray(off, Math.min(d.length, off + size)) });
  }
  return out.map((f) => ({ ...f, id }));
}

function fragmentFrame(mac: Uint8Array, probeMac: Uint8Array, id: number, f: { offset: number; more: boolean; bytes: Uint8Array }): Uint8Array {
  return ipv4Frame(mac, probeMac, { src: P, dst: A, protocol: PROTOCOL_UDP, id, flagsAndOffset: (f.more ? 0x2000 : 0) | (f.offset / 8) }, f.bytes);
}

describe('IPv4 input', () => {
  it('drops packets that fail validation, each with its reason', async () => {
    const { probe, sw, net, stack } = await setup();
    const good = ipv4Packet({ src: P, dst: A, protocol: PROTOCOL_UDP }, udpDatagram(P, A, 9, 7, new Uint8Array(4)));
    const variants: [string, (p: Uint8Array) => Uint8Array][] = [
      ['version', (p) => ((p[0] = 0x65), p)],
      ['header-length', (p) => ((p[0] = 0x44), p)],
      ['checksum', (p) => ((p[8] = 1), p)],
      ['truncated', (p) => p.subarray(0, 19)],
      ['truncated', (p) => p.subarray(0, p.length - 1)],
    ];
    for (const [, mutate] of variants) probe.send(ethernetFrame(net.mac, probe.mac, ETHERTYPE_IPV4, mutate(good.slice())));
    // Total length below the header length, checksum fixed up so that only the length is wrong.
    const short = ipv4Packet({ src: P, dst: A, protocol: PROTOCOL_UDP }, new Uint8Array(0));
    short[3] = 10;
    refreshIpv4Checksum(short);
    probe.send(ethernetFrame(net.mac, probe.mac, ETHERTYPE_IPV4, short));
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: parseIpv4('10.0.0.44')!, protocol: PROTOCOL_UDP }, new Uint8Array(8)));
    probe.send(ipv4Frame(net.mac, probe.mac, { src: parseIpv4('224.0.0.1')!, dst: A, protocol: PROTOCOL_UDP }, new Uint8Array(8)));
    probe.send(ipv4Frame(net.mac, probe.mac, { src: A, dst: A, protocol: PROTOCOL_UDP }, new Uint8Array(8)));
    await sw.settle();
    expect(stack.counters().ipv4).toMatchObject({
      'rx.dropped.version': 1,
      'rx.dropped.header-length': 1,
      'rx.dropped.checksum': 1,
      'rx.dropped.truncated': 2,
      'rx.dropped.total-length': 1,
      'rx.dropped.not-for-us': 1,
      'rx.dropped.bad-source': 2,
    });
  });

  it('accepts a frame padded beyond the packet (Ethernet minimum size)', async () => {
    const { probe, sw, net, sock, clock } = await setup();
    const frame = ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_UDP }, udpDatagram(P, A, 9, 7, new Uint8Array([5])));
    const padded = new Uint8Array(60);
    padded.set(frame);
    probe.send(padded);
    const d = await drive(clock, sw, sock.receive());
    expect([...d.data]).toEqual([5]);
  });
});

describe('IPv4 reassembly', () => {
  it('reassembles fragments in any order, ignoring exact duplicates', async () => {
    const { probe, sw, net, sock, clock, stack } = await setup();
    const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 13) & 255);
    const fr = fragments(1, data, 1000);
    for (const i of [3, 1, 1, 0, 2]) probe.send(fragmentFrame(net.mac, probe.mac, 1, fr[i]!));
    const d = await drive(clock, sw, sock.receive());
    expect(Buffer.compare(d.data, data)).toBe(0);
    expect(stack.counters().ipv4).toMatchObject({ 'rx.reassembled': 1, 'rx.fragment-duplicate': 1 });
  });

  it('refuses overlapping fragments and discards the datagram', async () => {
    const { probe, sw, net, stack } = await setup();
    const d = udpDatagram(P, A, 9, 7, new Uint8Array(64));
    probe.send(fragmentFrame(net.mac, probe.mac, 2, { offset: 0, more: true, bytes: d.subarray(0, 32) }));
    probe.send(fragmentFrame(net.mac, probe.mac, 2, { offset: 16, more: false, bytes: d.subarray(16) }));
    probe.send(fragmentFrame(net.mac, probe.mac, 2, { offset: 32, more: false, bytes: d.subarray(32) }));
    await sw.settle();
    const c = stack.counters();
    expect(c.ipv4!['rx.dropped.fragment-overlap']).toBe(1);
    expect(c.ipv4!['rx.reassembled']).toBeUndefined();
    expect(c.udp!['rx']).toBeUndefined();
  });

  it('refuses bad fragment lengths and datagrams beyond 64 KB', async () => {
    const { probe, sw, net, stack } = await setup();
    probe.send(fragmentFrame(net.mac, probe.mac, 3, { offset: 0, more: true, bytes: new Uint8Array(13) }));
    probe.send(fragmentFrame(net.mac, probe.mac, 3, { offset: 65528, more: false, bytes: new Uint8Array(16) }));
    await sw.settle();
    expect(stack.counters().ipv4).toMatchObject({ 'rx.dropped.fragment-length': 1, 'rx.dropped.fragment-too-big': 1 });
  });

  it('times out after 30 s with ICMP time exceeded when the first fragment came', async () => {
    const { probe, sw, net, stack, clock } = await setup();
    const fr = fragments(4, new Uint8Array(100), 64);
    probe.send(fragmentFrame(net.mac, probe.mac, 4, fr[0]!));
    await driveFor(clock, sw, 29_999);
    expect(probe.received).toHaveLength(0);
    await driveFor(clock, sw, 1);
    const [f] = probe.take();
    const ip = new Ipv4View();
    expect(ip.wrap(f!, 14, f!.length)).toBeNull();
    expect(ip.protocol).toBe(PROTOCOL_ICMP);
    const m = new IcmpView();
    expect(m.wrap(ip.bytes, ip.payloadStart, ip.payloadEnd)).toBeNull();
    expect([m.type, m.code]).toEqual([ICMP_TIME_EXCEEDED, TIME_EXCEEDED_REASSEMBLY]);
    expect(stack.counters().ipv4!['rx.dropped.reassembly-timeout']).toBe(1);
  });

  it('holds at most 16 datagrams at once and frees them on timeout', async () => {
    const { probe, sw, net, stack, clock } = await setup();
    for (let id = 100; id < 120; id++) probe.send(fragmentFrame(net.mac, probe.mac, id, { offset: 8, more: true, bytes: new Uint8Array(8) }));
    await sw.settle();
    expect(stack.counters().ipv4!['rx.dropped.reassembly-full']).toBe(4);
    await driveFor(clock, sw, 30_000);
    expect(stack.counters().ipv4!['rx.dropped.reassembly-timeout']).toBe(16);
    // Non-first fragments only: no ICMP time exceeded (RFC 792 needs the first).
    expect(probe.received).toHaveLength(0);
  });
});

describe('IPv4 output', () => {
  it('fragments a large UDP datagram to the MTU; the peer stack reassembles it', async () => {
    const { clock, sw, a, b } = await stackPair({ mtu: 576 });
    const rx = await b.bindUdp(7);
    const tx = await a.bindUdp(0);
    const data = Uint8Array.from({ length: 65507 }, (_, i) => (i * 31) & 255);
    await tx.send(data, { address: '10.0.0.3', port: 7 });
    const d = await drive(clock, sw, rx.receive());
    expect(Buffer.compare(d.data, data)).toBe(0);
    expect(d.from).toEqual({ address: '10.0.0.2', port: tx.local.port });
    expect(a.counters().ipv4!['tx.fragments']).toBe(Math.ceil((65507 + 8) / 552));
    expect(sw.counters().droppedMtu).toBe(0);
  });

  it('delivers only intact datagrams through duplication, reordering and corruption of fragments', async () => {
    // A short reassembly timeout, so that datagrams whose fragment was corrupted free their slot between sends.
    const { clock, sw, a, b } = await stackPair(
      { seed: 9, duplicate: 0.1, reorder: 0.2, corrupt: 0.05, mtu: 1000 },
      {},
      { interface: { reassembly: { timeoutMs: 1000 } } },
    );
    const rx = await b.bindUdp(7);
    const tx = await a.bindUdp(0);
    const sent = new Map<number, Uint8Array>();
    for (let n = 0; n < 200; n++) {
      const d = Uint8Array.from({ length: 4000 }, (_, i) => (i * (n + 1)) & 255);
      d[0] = n;
      sent.set(n, d);
      await tx.send(d, { address: '10.0.0.3', port: 7 });
      await driveFor(clock, sw, 1001);
    }
    const got: Uint8Array[] = [];
    for (;;) {
      const next = await Promise.race([rx.receive(), Promise.resolve(null)]);
      if (!next) break;
      got.push(next.data);
    }
    expect(sw.counters().corrupted).toBeGreaterThan(20);
    // Corrupted fragments are caught by a checksum; their datagram is lost, never delivered wrong.
    // Five fragments each, 5% corrupted: about 0.95^5 = 77% arrive.
    expect(got.length).toBeGreaterThan(130);
    expect(got.length).toBeLessThan(200);
    for (const d of got) expect(Buffer.compare(d, sent.get(d[0]!)!)).toBe(0);
    const c = b.counters();
    expect((c.ipv4!['rx.dropped.checksum'] ?? 0) + (c.udp!['rx.dropped.checksum'] ?? 0)).toBeGreaterThan(0);
  });
});
