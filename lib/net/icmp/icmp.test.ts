import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../testing/virtual-clock.ts';
import type { Probe } from '../../testing/probe.ts';
import { probedStack, stackPair, PROBE as P, STACK_A as A } from '../../testing/stack-fixtures.ts';
import { drive, driveFor } from '../../testing/drive.ts';
import { icmpMessage, ipv4Frame, udpDatagram } from '../../testing/frames.ts';
import { parseIpv4 } from '../../ipv4-text.ts';
import { ETHERTYPE_IPV4 } from '../wire/ethernet.ts';
import {
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  IcmpView,
  UNREACHABLE_PORT,
  UNREACHABLE_PROTOCOL,
} from '../wire/icmpv4.ts';
import { Ipv4View, PROTOCOL_ICMP, PROTOCOL_UDP } from '../wire/ipv4.ts';


const setup = () => probedStack();

/** The IPv4 packets the probe received, parsed and reassembled by hand where fragmented. */
function ipPackets(probe: Probe): Ipv4View[] {
  return probe
    .take((f) => f[12] === ETHERTYPE_IPV4 >> 8 && f[13] === (ETHERTYPE_IPV4 & 255))
    .map((f) => {
      const v = new Ipv4View();
      expect(v.wrap(f, 14, f.length)).toBeNull();
      return v;
    });
}

function icmpOf(ip: Ipv4View): IcmpView {
  expect(ip.protocol).toBe(PROTOCOL_ICMP);
  const m = new IcmpView();
  expect(m.wrap(ip.bytes, ip.payloadStart, ip.payloadEnd)).toBeNull();
  return m;
}

describe('ICMP echo', () => {
  it.each([0, 1, 56, 1472])('answers an echo request with %i bytes of payload, byte for byte', async (size) => {
    const { probe, sw, net } = await setup();
    const body = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 255);
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_ICMP }, icmpMessage(ICMP_ECHO_REQUEST, 0, 0x1234, 9, body)));
    await sw.settle();
    const [ip] = ipPackets(probe);
    expect(ip!.source).toBe(A);
    expect(ip!.destination).toBe(P);
    expect(ip!.ttl).toBe(64);
    const m = icmpOf(ip!);
    expect([m.type, m.code, m.identifier, m.sequence]).toEqual([ICMP_ECHO_REPLY, 0, 0x1234, 9]);
    expect(Buffer.compare(m.bytes.subarray(m.bodyStart, m.end), body)).toBe(0);
  });

  it('answers an all-zero echo request with a valid checksum (ones-complement zero)', async () => {
    const { probe, sw, net } = await setup();
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_ICMP }, icmpMessage(ICMP_ECHO_REQUEST, 0, 0, 0, new Uint8Array(8))));
    await sw.settle();
    const m = icmpOf(ipPackets(probe)[0]!);
    expect([m.type, m.bytes[m.start + 2], m.bytes[m.start + 3]]).toEqual([ICMP_ECHO_REPLY, 0xff, 0xff]);
  });

  it('answers a 4000-byte echo request that arrives in fragments, in fragments', async () => {
    const { probe, sw, net } = await setup();
    const body = Uint8Array.from({ length: 4000 }, (_, i) => i & 255);
    const msg = icmpMessage(ICMP_ECHO_REQUEST, 0, 1, 2, body);
    const cuts = [0, 1480, 2960, msg.length];
    // Last fragment first: reassembly must not depend on order.
    for (const k of [2, 0, 1]) {
      const more = k < 2 ? 0x2000 : 0;
      probe.send(
        ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_ICMP, id: 77, flagsAndOffset: more | (cuts[k]! / 8) }, msg.subarray(cuts[k]!, cuts[k + 1]!)),
      );
    }
    await sw.settle();
    const frags = ipPackets(probe);
    expect(frags.length).toBe(3);
    expect(frags.every((f) => f.totalLength <= 1500)).toBe(true);
    const whole = new Uint8Array(msg.length);
    for (const f of frags) whole.set(f.bytes.subarray(f.payloadStart, f.payloadEnd), f.fragmentOffset);
    expect(whole[0]).toBe(ICMP_ECHO_REPLY);
    expect(Buffer.compare(whole.subarray(8), body)).toBe(0);
  });

  it('ignores broadcast echo requests and drops bad checksums', async () => {
    const { probe, sw, net, stack } = await setup();
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: parseIpv4('10.0.0.255')!, protocol: PROTOCOL_ICMP }, icmpMessage(8, 0, 1, 1, new Uint8Array(8))));
    const bad = icmpMessage(8, 0, 1, 1, new Uint8Array(8));
    bad[9] ^= 1;
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_ICMP }, bad));
    await sw.settle();
    expect(ipPackets(probe)).toHaveLength(0);
    expect(stack.counters().icmp).toMatchObject({ 'rx.ignored.broadcast-echo': 1, 'rx.dropped.checksum': 1 });
  });
});

describe('ping', () => {
  it('measures round trips between two stacks on virtual time', async () => {
    const { clock, sw, a, b } = await stackPair({ clock: new VirtualClock(), latencyMs: 5 });
    const first = await drive(clock, sw, a.ping('10.0.0.3', { payloadSize: 100 }));
    // The request waits for B's MAC: B's gratuitous ARP, sent at start, arrives after one trip
    // and resolves it (any ARP from the address does); then the echo request and reply.
    expect(first).toEqual({ from: '10.0.0.3', sequence: 0, payloadSize: 100, rttMs: 15 });
    const second = await drive(clock, sw, a.ping('10.0.0.3'));
    expect(second).toMatchObject({ sequence: 1, payloadSize: 56, rttMs: 10 });
    expect(b.counters().icmp!['rx.echo-request']).toBe(2);
  });

  it('times out, rejects bad sizes and reports unreachable', async () => {
    const { clock, sw, stack, probe, net } = await setup();
    await expect(drive(clock, sw, stack.ping('10.0.0.9', { timeoutMs: 500 }))).rejects.toMatchObject({ code: 'timed-out' });
    await expect(stack.ping('10.0.0.9', { payloadSize: 70000 })).rejects.toMatchObject({ code: 'message-size' });
    await expect(stack.ping('192.0.2.1')).rejects.toMatchObject({ code: 'unreachable' });
    await expect(stack.ping('10.0.0')).rejects.toMatchObject({ code: 'invalid-address' });
    // An ICMP host unreachable about our echo request fails the ping at once.
    probe.take();
    const pending = stack.ping('10.0.0.9', { payloadSize: 8 });
    await sw.settle();
    const [req] = ipPackets(probe);
    const original = req!.bytes.slice(req!.start, req!.payloadStart + 8);
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_ICMP }, icmpMessage(ICMP_DEST_UNREACHABLE, 1, 0, 0, original)));
    await expect(drive(clock, sw, pending)).rejects.toMatchObject({ code: 'unreachable' });
  });
});

describe('ping to an address nobody has', () => {
  it('fails with unreachable once ARP gives up, before its own timeout', async () => {
    const { clock, sw, stack } = await setup();
    const started = clock.nowMs();
    await expect(drive(clock, sw, stack.ping('10.0.0.77', { timeoutMs: 10_000 }))).rejects.toMatchObject({ code: 'unreachable' });
    // Three requests one second apart, then the queued echo request is dropped.
    expect(clock.nowMs() - started).toBe(3000);
    expect(stack.counters().icmp!['local.unreachable']).toBe(1);
  });
});

describe('ICMP errors', () => {
  it('sends port unreachable for a closed UDP port, rate-limited, quoting the datagram', async () => {
    const { clock, probe, sw, net, stack } = await setup();
    const send = () =>
      probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_UDP }, udpDatagram(P, A, 4000, 4001, new Uint8Array(20))));
    for (let i = 0; i < 50; i++) send();
    await sw.settle();
    const errors = ipPackets(probe).map(icmpOf);
    expect(errors).toHaveLength(20);
    const e = errors[0]!;
    expect([e.type, e.code]).toEqual([ICMP_DEST_UNREACHABLE, UNREACHABLE_PORT]);
    const quoted = new Ipv4View();
    quoted.bytes = e.bytes;
    expect(e.end - e.bodyStart).toBe(28);
    expect(e.bytes[e.bodyStart + 9]).toBe(PROTOCOL_UDP);
    expect(stack.counters().icmp!['tx.suppressed.rate-limit']).toBe(30);
    await driveFor(clock, sw, 100);
    send();
    await sw.settle();
    expect(ipPackets(probe)).toHaveLength(1);
  });

  it('sends protocol unreachable for an unknown protocol, never for broadcasts', async () => {
    const { probe, sw, net } = await setup();
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: 99 }, new Uint8Array(12)));
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: 0xffffffff, protocol: 99 }, new Uint8Array(12)));
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: 0xffffffff, protocol: PROTOCOL_UDP }, udpDatagram(P, 0xffffffff, 1, 2, new Uint8Array(1))));
    await sw.settle();
    const errors = ipPackets(probe).map(icmpOf);
    expect(errors.map((e) => [e.type, e.code])).toEqual([[ICMP_DEST_UNREACHABLE, UNREACHABLE_PROTOCOL]]);
  });

  it('never answers an ICMP error with an error', async () => {
    const { probe, sw, net, stack } = await setup();
    const quoted = ipv4Frame(net.mac, probe.mac, { src: A, dst: P, protocol: 99 }, new Uint8Array(8)).subarray(14);
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_ICMP }, icmpMessage(ICMP_DEST_UNREACHABLE, 3, 0, 0, quoted)));
    await sw.settle();
    expect(ipPackets(probe)).toHaveLength(0);
    expect(stack.counters().icmp!['rx.unreachable']).toBe(1);
  });
});
