import { describe, expect, it } from 'vitest';
import { createStack } from '../stack.ts';
import { VirtualClock } from '../../testing/virtual-clock.ts';
import { SeededRandom } from '../../testing/seeded-random.ts';
import type { Probe } from '../../testing/probe.ts';
import { probedStack, PROBE as P, STACK_A as A } from '../../testing/stack-fixtures.ts';
import { drive, driveFor } from '../../testing/drive.ts';
import { arpFrame, ipv4Frame, udpDatagram } from '../../testing/frames.ts';
import { parseIpv4 } from '../../ipv4-text.ts';
import { ARP_REPLY, ARP_REQUEST, ArpView } from '../wire/arp.ts';
import { BROADCAST_MAC, EthernetView } from '../wire/ethernet.ts';
import { PROTOCOL_UDP } from '../wire/ipv4.ts';


function setup(extra: string[] = []) {
  return probedStack({ config: { args: ['--ipv4=10.0.0.2/24', ...extra] }, teachArp: false });
}

function arps(probe: Probe): ArpView[] {
  return probe
    .take((f) => new EthernetView().wrap(f) === null && f[12] === 8 && f[13] === 6)
    .map((f) => {
      const v = new ArpView();
      expect(v.wrap(f, 14, f.length)).toBeNull();
      return v;
    });
}

describe('ARP', () => {
  it('announces the address with a gratuitous request at start', async () => {
    const { probe } = await setup();
    const [g] = arps(probe);
    expect(g!.operation).toBe(ARP_REQUEST);
    expect(g!.senderIp).toBe(A);
    expect(g!.targetIp).toBe(A);
  });

  it('answers a request for its address, and only for its address', async () => {
    const { probe, sw, net, stack } = await setup();
    arps(probe);
    probe.send(arpFrame(BROADCAST_MAC, ARP_REQUEST, probe.mac, P, new Uint8Array(6), A));
    probe.send(arpFrame(BROADCAST_MAC, ARP_REQUEST, probe.mac, P, new Uint8Array(6), parseIpv4('10.0.0.77')!));
    await sw.settle();
    const replies = arps(probe);
    expect(replies).toHaveLength(1);
    const r = replies[0]!;
    expect(r.operation).toBe(ARP_REPLY);
    expect(r.senderIp).toBe(A);
    expect([...r.bytes.subarray(r.senderMacOffset, r.senderMacOffset + 6)]).toEqual([...net.mac]);
    expect(r.targetIp).toBe(P);
    expect(stack.counters().arp!['cache.entries']).toBe(1);
  });

  it('drops malformed ARP with a reason', async () => {
    const { probe, sw, stack } = await setup();
    const bad = arpFrame(BROADCAST_MAC, ARP_REQUEST, probe.mac, P, new Uint8Array(6), A);
    bad[14 + 5] = 16; // protocol address length
    probe.send(bad);
    probe.send(bad.subarray(0, 30));
    await sw.settle();
    expect(stack.counters().arp).toMatchObject({ 'rx.dropped.unsupported': 1, 'rx.dropped.truncated': 1 });
  });

  it('queues packets while resolving, sends them on the reply, and refreshes before expiry', async () => {
    const { probe, sw, clock, net, stack } = await setup();
    arps(probe);
    const sock = await stack.bindUdp(5000);
    await sock.send(new Uint8Array([1]), { address: '10.0.0.9', port: 9 });
    await sock.send(new Uint8Array([2]), { address: '10.0.0.9', port: 9 });
    await sw.settle();
    const [req] = arps(probe);
    expect(req!.operation).toBe(ARP_REQUEST);
    expect(req!.targetIp).toBe(P);
    expect(probe.received).toHaveLength(0);
    probe.send(arpFrame(net.mac, ARP_REPLY, probe.mac, P, net.mac, A));
    await sw.settle();
    expect(probe.take().map((f) => f[f.length - 1])).toEqual([1, 2]);

    // Used 56 s later: still valid, and a unicast poll goes to the known MAC.
    await driveFor(clock, sw, 56_000);
    await sock.send(new Uint8Array([3]), { address: '10.0.0.9', port: 9 });
    await sw.settle();
    const frames = probe.take();
    const poll = frames.find((f) => f[12] === 8 && f[13] === 6)!;
    expect([...poll.subarray(0, 6)]).toEqual([...probe.mac]);
    expect(frames.some((f) => f[f.length - 1] === 3)).toBe(true);
    expect(stack.counters().arp!['cache.refresh']).toBe(1);

    // Unanswered, the entry expires at 60 s and a broadcast request resolves again.
    await driveFor(clock, sw, 5_000);
    probe.take();
    await sock.send(new Uint8Array([4]), { address: '10.0.0.9', port: 9 });
    await sw.settle();
    const again = probe.take();
    expect(again).toHaveLength(1);
    expect([...again[0]!.subarray(0, 6)]).toEqual([...BROADCAST_MAC]);
  });

  it('bounds the queue per address, retries three times, then drops', async () => {
    const { probe, sw, clock, stack } = await setup();
    arps(probe);
    const sock = await stack.bindUdp(5000);
    for (let i = 0; i < 20; i++) await sock.send(new Uint8Array([i]), { address: '10.0.0.9', port: 9 });
    await driveFor(clock, sw, 10_000);
    expect(arps(probe).filter((a) => a.targetIp === P)).toHaveLength(3);
    const c = stack.counters().arp!;
    expect(c['tx.dropped.queue-full']).toBe(4);
    expect(c['tx.dropped.unresolved']).toBe(16);
    expect(probe.received).toHaveLength(0);
  });

  it("counts packets waiting for resolution in the stack's memory budget, and refuses them past it", async () => {
    const { probe, sw, clock, net, stack } = await probedStack({ config: { args: ['--ipv4=10.0.0.2/24'], tcp: { memoryBytes: 4000 } }, teachArp: false });
    arps(probe);
    const sock = await stack.bindUdp(5000);
    const budget = stack.tcp.memory;
    const send = (i: number): Promise<void> => sock.send(new Uint8Array(1000).fill(i), { address: '10.0.0.9', port: 9 });
    for (let i = 0; i < 5; i++) await send(i);
    const queued = stack.iface.arp.queued;
    expect(queued.bytes).toBeGreaterThan(2000);
    expect(budget.used).toBe(queued.bytes);
    expect(budget.used).toBeLessThanOrEqual(4000);
    const c = stack.counters().arp!;
    expect(c['tx.dropped.memory']).toBeGreaterThan(0);
    expect(c['tx.dropped.memory']! + queued.bytes / 1042).toBe(5);

    // Resolved: the waiting packets go out and their bytes come back to the budget.
    await sw.settle();
    probe.take();
    probe.send(arpFrame(net.mac, ARP_REPLY, probe.mac, P, net.mac, A));
    await sw.settle();
    expect(probe.take()).toHaveLength(queued.bytes / 1042);
    expect(budget.used).toBe(0);

    // Never resolved: dropped after the retries, given back too.
    for (let i = 0; i < 3; i++) await sock.send(new Uint8Array(1000), { address: '10.0.0.8', port: 9 });
    expect(budget.used).toBeGreaterThan(0);
    await driveFor(clock, sw, 10_000);
    expect(stack.iface.arp.queued.bytes).toBe(0);
    expect(budget.used).toBe(0);
  });

  it('learns nothing from probes, ignores our own address claimed by others, counts the conflict', async () => {
    const { probe, sw, stack } = await setup();
    probe.send(arpFrame(BROADCAST_MAC, ARP_REQUEST, probe.mac, 0, new Uint8Array(6), A));
    probe.send(arpFrame(BROADCAST_MAC, ARP_REPLY, probe.mac, A, new Uint8Array(6), A));
    await sw.settle();
    const c = stack.counters().arp!;
    expect(c['cache.entries']).toBe(0);
    expect(c['rx.conflict']).toBe(1);
  });

  it('uses the gateway for off-link destinations', async () => {
    const { probe, sw, stack } = await setup(['--ipv4-gateway=10.0.0.1']);
    arps(probe);
    const sock = await stack.bindUdp(5000);
    await sock.send(new Uint8Array([1]), { address: '192.0.2.1', port: 9 });
    await sw.settle();
    expect(arps(probe)[0]!.targetIp).toBe(parseIpv4('10.0.0.1'));
    await expect(
      (await createStack({ net: sw.attach(), clock: new VirtualClock(), random: new SeededRandom(1), config: { args: ['--ipv4=10.0.0.5/24'] } }))
        .bindUdp(0)
        .then((s) => s.send(new Uint8Array(1), { address: '192.0.2.1', port: 9 })),
    ).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('delivers a frame from a sender it has not resolved', async () => {
    const { probe, sw, stack, clock, net } = await setup();
    const sock = await stack.bindUdp(7);
    const got = sock.receive();
    const datagram = udpDatagram(P, A, 9, 7, new Uint8Array([42]));
    probe.send(ipv4Frame(net.mac, probe.mac, { src: P, dst: A, protocol: PROTOCOL_UDP }, datagram));
    const d = await drive(clock, sw, got);
    expect([...d.data]).toEqual([42]);
    expect(d.from).toEqual({ address: '10.0.0.9', port: 9 });
  });
});
