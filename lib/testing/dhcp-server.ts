/**
 * A hand-driven DHCP server for tests, on a port of the in-memory switch: it
 * records every client message as it arrives, answers ARP for itself, and
 * replies only when the test tells it to, with the options the test sets
 * (including a raw option 6, well-formed or not).
 * A malformed message from the client under test throws out of the switch's
 * delivery, failing the test that drives it.
 */
import { createStack } from '../net/stack.ts';
import { drive } from './drive.ts';
import { arpFrame, ipv4Frame, udpDatagram } from './frames.ts';
import { SeededRandom } from './seeded-random.ts';
import { VirtualSwitch, type SwitchPort } from './switch.ts';
import { VirtualClock } from './virtual-clock.ts';
import { parseIpv4 } from '../ipv4-text.ts';
import { ARP_REPLY, ARP_REQUEST, ArpView } from '../net/wire/arp.ts';
import { writeU32 } from '../net/wire/bytes.ts';
import {
  BOOTREPLY,
  DHCPACK,
  DHCPNAK,
  DHCPOFFER,
  DhcpView,
  DhcpWriter,
  OPTION_DNS_SERVERS,
  OPTION_LEASE_TIME,
  OPTION_MESSAGE_TYPE,
  OPTION_PARAMETER_LIST,
  OPTION_REQUESTED_IP,
  OPTION_ROUTER,
  OPTION_SERVER_ID,
  OPTION_SUBNET_MASK,
} from '../net/wire/dhcp.ts';
import { BROADCAST_MAC } from '../net/wire/ethernet.ts';
import { Ipv4View, PROTOCOL_UDP } from '../net/wire/ipv4.ts';
import { UdpView } from '../net/wire/udp.ts';

export const SERVER = parseIpv4('10.0.0.1')!;
export const OFFERED = parseIpv4('10.0.0.50')!;
export const LEASE_S = 3600;

export interface ClientMessage {
  type: number;
  xid: number;
  ciaddr: number;
  requested: number;
  server: number;
  /** Option codes of the parameter request list (option 55). */
  parameters: number[];
  ipSrc: number;
  ipDst: number;
  ethDst: Uint8Array;
  atMs: number;
}

/** Option 6's value for a list of dotted addresses. */
export function dnsOption(...servers: string[]): Uint8Array {
  const value = new Uint8Array(servers.length * 4);
  servers.forEach((s, i) => writeU32(value, i * 4, parseIpv4(s)!));
  return value;
}

export class ScriptedDhcpServer {
  readonly port: SwitchPort;
  readonly seen: ClientMessage[] = [];
  readonly arps: Uint8Array[] = [];
  /** Answer ARP probes for the offered address, as a host already using it would. */
  conflict = false;
  /** Option 6's raw value in OFFERs and ACKs, or null to leave the option out. */
  dnsServers: Uint8Array | null = null;
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
    const udpError = u.wrap(f, ip.payloadStart, ip.payloadEnd, ip.source, ip.destination);
    if (udpError !== null) throw new Error(`ScriptedDhcpServer: the client sent a malformed UDP datagram (${udpError})`);
    if (u.destinationPort !== 67) return;
    if (u.sourcePort !== 68) throw new Error(`ScriptedDhcpServer: a client message from UDP port ${u.sourcePort}, not 68 (RFC 2131 section 4.1)`);
    const d = new DhcpView();
    const dhcpError = d.wrap(f, u.payloadStart, u.payloadEnd);
    if (dhcpError !== null) throw new Error(`ScriptedDhcpServer: the client sent a malformed DHCP message (${dhcpError})`);
    const list = d.findOption(OPTION_PARAMETER_LIST);
    const parameters = list < 0 ? [] : [...f.subarray(list, list + d.optionLength)];
    this.seen.push({
      type: d.optionU8(OPTION_MESSAGE_TYPE),
      xid: d.transactionId,
      ciaddr: d.clientAddress,
      requested: d.optionU32(OPTION_REQUESTED_IP),
      server: d.optionU32(OPTION_SERVER_ID),
      parameters,
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
      if (this.dnsServers) w.option(OPTION_DNS_SERVERS, this.dnsServers);
    }
    const payload = buf.subarray(0, w.finish());
    const dst = 0xffffffff;
    this.port.write(ipv4Frame(BROADCAST_MAC, this.port.mac, { src: SERVER, dst, protocol: PROTOCOL_UDP }, udpDatagram(SERVER, dst, 67, 68, payload)));
  }
}

/** A stack starting DHCP on a switch with a scripted server; `creating` resolves once it has a lease. */
export async function dhcpStack(timeoutMs = 60_000) {
  const clock = new VirtualClock();
  const sw = new VirtualSwitch();
  const server = new ScriptedDhcpServer(sw, clock);
  const net = sw.attach();
  const creating = createStack({ net, clock, random: new SeededRandom(11), config: { dhcp: { timeoutMs } } });
  return { clock, sw, server, net, creating };
}

/** Offers the address to the client's DISCOVER and answers its REQUEST with ANSWER (DHCPACK or DHCPNAK), letting the switch settle after each step. */
export async function offerAndAnswer(t: { sw: VirtualSwitch; server: ScriptedDhcpServer; net: SwitchPort }, answer: number): Promise<void> {
  await t.sw.settle();
  t.server.reply(t.server.collect()[0]!, t.net.mac, DHCPOFFER);
  await t.sw.settle();
  t.server.reply(t.server.collect()[0]!, t.net.mac, answer);
  await t.sw.settle();
}

/** Runs DISCOVER/OFFER/REQUEST/ACK (the ACK carrying `server.dnsServers` as set by `prepare`) and returns the bound stack. */
export async function boundStack(prepare: (server: ScriptedDhcpServer) => void = () => {}) {
  const t = await dhcpStack();
  prepare(t.server);
  await t.sw.settle();
  const [discover] = t.server.collect();
  t.server.reply(discover!, t.net.mac, DHCPOFFER);
  await t.sw.settle();
  const [request] = t.server.collect();
  t.server.reply(request!, t.net.mac, DHCPACK);
  const stack = await drive(t.clock, t.sw, t.creating);
  return { ...t, stack, discover: discover!, request: request! };
}
