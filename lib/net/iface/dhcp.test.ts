import { describe, expect, it } from 'vitest';
import { createStack } from '../stack.ts';
import { VirtualClock } from '../../testing/virtual-clock.ts';
import { VirtualSwitch, type SwitchPort } from '../../testing/switch.ts';
import { SeededRandom } from '../../testing/seeded-random.ts';
import { drive, driveFor } from '../../testing/drive.ts';
import { arpFrame, ipv4Frame, udpDatagram } from '../../testing/frames.ts';
import { parseIpv4 } from '../../ipv4-text.ts';
import { ARP_REPLY, ARP_REQUEST, ArpView } from '../wire/arp.ts';
import { writeU32 } from '../wire/bytes.ts';
import {
  BOOTREPLY,
  DHCPACK,
  DHCPDECLINE,
  DHCPDISCOVER,
  DHCPNAK,
  DHCPOFFER,
  DHCPRELEASE,
  DHCPREQUEST,
  DhcpView,
  DhcpWriter,
  OPTION_LEASE_TIME,
  OPTION_MESSAGE_TYPE,
  OPTION_REQUESTED_IP,
  OPTION_ROUTER,
  OPTION_SERVER_ID,
  OPTION_SUBNET_MASK,
} from '../wire/dhcp.ts';
import { BROADCAST_MAC } from '../wire/ethernet.ts';
import { Ipv4View, PROTOCOL_UDP } from '../wire/ipv4.ts';
import { UdpView } from '../wire/udp.ts';

const SERVER = parseIpv4('10.0.0.1')!;
const OFFERED = parseIpv4('10.0.0.50')!;
const LEASE_S = 3600;

interface ClientMessage {
  type: number;
  xid: number;
  ciaddr: number;
  requested: number;
  server: number;
  ipSrc: number;
  ipDst: number;
  ethDst: Uint8Array;
  atMs: number;
}

/** A hand-driven DHCP server on the wire: it records what the client sends as it arrives, answers ARP for itself, and replies when told. */
class FakeServer {
  readonly port: SwitchPort;
  readonly seen: ClientMessage[] = [];
  readonly arps: Uint8Array[] = [];
  /** Answer ARP probes for the offered address, as a host already using it would. */
  conflict = false;
  private unread = 0;

  constructor(
    sw: VirtualSwitch,
    private readonly clock: VirtualClock,
  ) {
    this.port = sw.attach();
    this.port.onFrame((f) => this.receive(f));
  }

  /** Client DHCP messages received since the last call. */
  collect(): ClientMessage[] {
    const out = this.seen.slice(this.unread);
    this.unread = this.seen.length;
    return out;
  }

  private receive(f: Uint8Array): void {
    if (f[12] === 8 && f[13] === 6) {
      this.arps.push(f.slice());
      const a = new ArpView();
      if (a.wrap(f, 14, f.length) === null && a.operation === ARP_REQUEST && a.targetIp === SERVER) {
        this.port.write(arpFrame(f.slice(6, 12), ARP_REPLY, this.port.mac, SERVER, f.slice(6, 12), a.senderIp));
      }
      if (this.conflict && a.operation === ARP_REQUEST && a.senderIp === 0 && a.targetIp === OFFERED) {
        this.port.write(arpFrame(f.slice(6, 12), ARP_REPLY, this.port.mac, OFFERED, f.slice(6, 12), 0));
      }
      return;
    }
    const ip = new Ipv4View();
    if (ip.wrap(f, 14, f.length) !== null || ip.protocol !== PROTOCOL_UDP) return;
    const u = new UdpView();
    expect(u.wrap(f, ip.payloadStart, ip.payloadEnd, ip.source, ip.destination)).toBeNull();
    if (u.destinationPort !== 67) return;
    expect(u.sourcePort).toBe(68);
    const d = new DhcpView();
    expect(d.wrap(f, u.payloadStart, u.payloadEnd)).toBeNull();
    this.seen.push({
      type: d.optionU8(OPTION_MESSAGE_TYPE),
      xid: d.transactionId,
      ciaddr: d.clientAddress,
      requested: d.optionU32(OPTION_REQUESTED_IP),
      server: d.optionU32(OPTION_SERVER_ID),
      ipSrc: ip.source,
      ipDst: ip.destination,
      ethDst: f.slice(0, 6),
      atMs: this.clock.nowMs(),
    });
  }

  reply(to: ClientMessage, clientMac: Uint8Array, type: number, leaseS = LEASE_S): void {
    const buf = new Uint8Array(576);
    const w = new DhcpWriter(buf);
    w.begin(BOOTREPLY, to.xid, clientMac, to.ciaddr, true);
    if (type !== DHCPNAK) writeU32(buf, 16, OFFERED);
    w.optionU8(OPTION_MESSAGE_TYPE, type);
    w.optionU32(OPTION_SERVER_ID, SERVER);
    if (type !== DHCPNAK) {
      w.optionU32(OPTION_LEASE_TIME, leaseS);
      w.optionU32(OPTION_SUBNET_MASK, 0xffffff00);
      w.optionU32(OPTION_ROUTER, SERVER);
    }
    const payload = buf.subarray(0, w.finish());
    const dst = 0xffffffff;
    this.port.write(ipv4Frame(BROADCAST_MAC, this.port.mac, { src: SERVER, dst, protocol: PROTOCOL_UDP }, udpDatagram(SERVER, dst, 67, 68, payload)));
  }
}

async function dhcpStack(timeoutMs = 60_000) {
  const clock = new VirtualClock();
  const sw = new VirtualSwitch();
  const server = new FakeServer(sw, clock);
  const net = sw.attach();
  const creating = createStack({ net, clock, random: new SeededRandom(11), config: { dhcp: { timeoutMs } } });
  return { clock, sw, server, net, creating };
}

/** Runs DISCOVER/OFFER/REQUEST/ACK and returns the bound stack. */
async function bound() {
  const t = await dhcpStack();
  await t.sw.settle();
  const [discover] = t.server.collect();
  t.server.reply(discover!, t.net.mac, DHCPOFFER);
  await t.sw.settle();
  const [request] = t.server.collect();
  t.server.reply(request!, t.net.mac, DHCPACK);
  const stack = await drive(t.clock, t.sw, t.creating);
  return { ...t, stack, discover: discover!, request: request! };
}

describe('DHCP client', () => {
  it('gets a lease: DISCOVER, OFFER, REQUEST, ACK, then announces the address', async () => {
    const { stack, discover, request, server } = await bound();
    expect(discover.type).toBe(DHCPDISCOVER);
    expect([discover.ipSrc, discover.ipDst]).toEqual([0, 0xffffffff]);
    expect([...discover.ethDst]).toEqual([...BROADCAST_MAC]);
    expect(request.type).toBe(DHCPREQUEST);
    expect(request.xid).toBe(discover.xid);
    expect([request.requested, request.server, request.ciaddr]).toEqual([OFFERED, SERVER, 0]);
    expect(stack.ipv4).toEqual({ address: '10.0.0.50', prefix: 24, gateway: '10.0.0.1', source: 'dhcp' });
    const arps = server.arps.map((f) => {
      const a = new ArpView();
      a.wrap(f, 14, f.length);
      return [a.senderIp, a.targetIp];
    });
    // Two RFC 5227 probes before using the address, then the announcement.
    expect(arps).toEqual([
      [0, OFFERED],
      [0, OFFERED],
      [OFFERED, OFFERED],
    ]);
    expect(stack.counters().dhcp).toMatchObject({ 'tx.discover': 1, 'tx.request': 1, 'rx.offer': 1, 'rx.ack': 1 });
  });

  it('retransmits DISCOVER with exponential backoff and ±1 s of jitter', async () => {
    const { clock, sw, server } = await dhcpStack(200_000);
    await driveFor(clock, sw, 140_000);
    const times = server.collect().map((m) => m.atMs);
    expect(times.length).toBeGreaterThanOrEqual(6);
    const gaps = times.slice(1, 6).map((t, i) => t - times[i]!);
    [4000, 8000, 16000, 32000, 64000].forEach((g, i) => {
      expect(gaps[i]!).toBeGreaterThanOrEqual(g - 1000);
      expect(gaps[i]!).toBeLessThanOrEqual(g + 1000);
    });
  });

  it('fails with timed-out when no server answers', async () => {
    const { clock, sw, creating } = await dhcpStack(10_000);
    await expect(drive(clock, sw, creating)).rejects.toMatchObject({ code: 'timed-out' });
  });

  it('starts over on NAK', async () => {
    const { sw, server, net } = await dhcpStack();
    await sw.settle();
    server.reply(server.collect()[0]!, net.mac, DHCPOFFER);
    await sw.settle();
    server.reply(server.collect()[0]!, net.mac, DHCPNAK);
    await sw.settle();
    const [again] = server.collect();
    expect(again!.type).toBe(DHCPDISCOVER);
  });

  it('renews at T1 by unicast to the server, keeping the address', async () => {
    const { clock, sw, server, net, stack } = await bound();
    server.collect();
    await driveFor(clock, sw, (LEASE_S / 2) * 1000 - 1 - clock.nowMs());
    expect(server.collect()).toHaveLength(0);
    await driveFor(clock, sw, 1);
    const [renew] = server.collect();
    expect(renew!.type).toBe(DHCPREQUEST);
    expect([renew!.ciaddr, renew!.ipSrc, renew!.ipDst, renew!.requested, renew!.server]).toEqual([OFFERED, OFFERED, SERVER, -1, -1]);
    expect([...renew!.ethDst]).toEqual([...server.port.mac]);
    server.reply(renew!, net.mac, DHCPACK);
    await sw.settle();
    expect(stack.ipv4.address).toBe('10.0.0.50');
    // The new lease counts from the renewal: nothing more until the next T1.
    await driveFor(clock, sw, (LEASE_S / 2) * 1000 - 1);
    expect(server.collect()).toHaveLength(0);
  });

  it('retries renewal, rebinds by broadcast at T2, and gives the address up at expiry', async () => {
    const { clock, sw, server, stack } = await bound();
    server.collect();
    await driveFor(clock, sw, LEASE_S * 1000 - 1 - clock.nowMs());
    const msgs = server.collect();
    const renewing = msgs.filter((m) => m.ipDst === SERVER);
    const rebinding = msgs.filter((m) => m.ipDst === 0xffffffff);
    expect(renewing.length).toBeGreaterThanOrEqual(2);
    expect(rebinding.length).toBeGreaterThanOrEqual(2);
    expect(renewing.every((m) => m.atMs >= 1_800_000 && m.atMs < 3_150_000)).toBe(true);
    expect(rebinding[0]!.atMs).toBe(3_150_000);
    expect(rebinding.every((m) => m.ciaddr === OFFERED && m.type === DHCPREQUEST)).toBe(true);
    expect(stack.ipv4.address).toBe('10.0.0.50');
    await driveFor(clock, sw, 1);
    expect(stack.ipv4.address).toBe('0.0.0.0');
    expect(stack.counters().dhcp!['lease.expired']).toBe(1);
    const [discover] = server.collect();
    expect(discover!.type).toBe(DHCPDISCOVER);
  });

  it('declines an address another host answers for, waits 10 s, and starts over', async () => {
    const { sw, server, net, clock, creating } = await dhcpStack();
    server.conflict = true;
    await sw.settle();
    server.reply(server.collect()[0]!, net.mac, DHCPOFFER);
    await sw.settle();
    server.reply(server.collect()[0]!, net.mac, DHCPACK);
    await sw.settle();
    const [decline] = server.collect();
    expect(decline!.type).toBe(DHCPDECLINE);
    expect([decline!.requested, decline!.server]).toEqual([OFFERED, SERVER]);
    await driveFor(clock, sw, 9_999);
    expect(server.collect()).toHaveLength(0);
    await driveFor(clock, sw, 1);
    const [discover] = server.collect();
    expect(discover!.type).toBe(DHCPDISCOVER);
    // The second offer is free: bound now.
    server.conflict = false;
    server.reply(discover!, net.mac, DHCPOFFER);
    await sw.settle();
    server.reply(server.collect()[0]!, net.mac, DHCPACK);
    const stack = await drive(clock, sw, creating);
    expect(stack.counters().dhcp).toMatchObject({ declined: 1, 'tx.decline': 1 });
  });

  it('releases the lease on close', async () => {
    const { stack, server, sw, clock } = await bound();
    server.collect();
    await drive(clock, sw, stack.close());
    await sw.settle();
    const [release] = server.collect();
    expect(release!.type).toBe(DHCPRELEASE);
    expect([release!.ciaddr, release!.server]).toEqual([OFFERED, SERVER]);
  });

  it('ignores replies for another client or transaction', async () => {
    const { sw, server, net, creating, clock } = await dhcpStack(30_000);
    await sw.settle();
    const [discover] = server.collect();
    server.reply({ ...discover!, xid: discover!.xid ^ 1 }, net.mac, DHCPOFFER);
    server.reply(discover!, new Uint8Array([2, 9, 9, 9, 9, 9]), DHCPOFFER);
    await sw.settle();
    expect(server.collect()).toHaveLength(0);
    await expect(drive(clock, sw, creating)).rejects.toMatchObject({ code: 'timed-out' });
  });
});
