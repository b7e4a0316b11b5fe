/**
 * One IPv4 interface over a Net device: Ethernet framing, ARP, IPv4 input
 * validation, reassembly, routing and fragmentation on output. What it
 * receives for us goes up to the one `InterfaceUpper` given at construction
 * (the stack, which hands each packet to its protocol's layer); the layers
 * above send through `Ipv4Output`.
 */
import type { Clock } from '../../devices/clock.ts';
import { UNLIMITED, type MemoryBudget } from '../../devices/memory-budget.ts';
import { NetError, type Net } from '../../devices/net.ts';
import { StackError } from '../../devices/stack.ts';
import { ARP_PACKET_LEN, ARP_REPLY, ARP_REQUEST, ArpView, writeArp } from '../wire/arp.ts';
import { writeU16 } from '../wire/bytes.ts';
import { checksum } from '../wire/checksum.ts';
import { segmentTcpFrame } from '../wire/tcp-segmentation.ts';
import {
  BROADCAST_MAC,
  ETHERNET_HEADER_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  EthernetView,
  macEquals,
  writeEthernetHeader,
} from '../wire/ethernet.ts';
import {
  DEFAULT_TTL,
  FLAG_MORE_FRAGMENTS,
  IPV4_HEADER_LEN,
  IPV4_MAX_TOTAL_LEN,
  Ipv4View,
  PROTOCOL_UDP,
  writeIpv4Header,
} from '../wire/ipv4.ts';
import { ArpCache, type ArpOptions } from './arp-cache.ts';
import { LayerCounters } from './counters.ts';
import { Reassembler, type ReassemblyOptions } from './reassembly.ts';
import { Ipv4Routing, NO_ROUTE, isMulticastOrReserved } from './routing.ts';
import { isOutOfMemory } from '../../errors.ts';

/** Where upper layers write a packet's payload in `tx`: after the Ethernet and IPv4 headers. */
export const PAYLOAD_OFFSET = ETHERNET_HEADER_LEN + IPV4_HEADER_LEN;

export type SendResult = 'sent' | 'queued' | 'no-route' | 'queue-full' | 'too-big' | 'failed';

/** How the socket layers (ICMP, UDP, TCP, DHCP's client) send: build at `tx[PAYLOAD_OFFSET..]`, then `send`. */
export interface Ipv4Output {
  readonly routing: Ipv4Routing;
  /** Room for the largest datagram; upper layers write a payload at PAYLOAD_OFFSET. */
  readonly tx: Uint8Array;
  /** Largest IPv4 packet in one frame. */
  readonly mtu: number;
  /** Largest IPv4 TCP packet the device cuts into MTU-sized ones itself (`mtu` when it cannot). */
  readonly largePacket: number;
  send(src: number, dst: number, protocol: number, payloadLength: number): SendResult;
}

/** Where the interface hands what it receives; every view and frame is valid only during the call. */
export interface InterfaceUpper {
  /** A valid IPv4 packet for us (reassembled); false when no layer takes its protocol. */
  receive(ip: Ipv4View): boolean;
  /** A unicast packet to our address whose protocol no layer takes (ICMP protocol unreachable). */
  protocolUnreachable(ip: Ipv4View): void;
  /** A packet we sent (14 bytes of headroom first) was dropped because ARP for its next hop failed. */
  unresolved(frame: Uint8Array): void;
  /** Reassembly timed out: the first fragment's header and 8 data bytes. */
  reassemblyTimedOut(firstHeader: Uint8Array): void;
  /** A valid ARP packet from another MAC (address conflict detection, RFC 5227). */
  foreignArp(senderIp: number, targetIp: number): void;
}

export interface InterfaceOptions {
  arp?: ArpOptions;
  reassembly?: ReassemblyOptions;
  /** TTL of packets we send (default 64). */
  ttl?: number;
}

const ZERO_MAC = new Uint8Array(6);
const DRAIN_POLL_MS = 10;
/** Every IPv4 link must carry 68-byte packets unfragmented (RFC 791 §3.2). */
const MIN_MTU = 68;

export class NetworkInterface implements Ipv4Output {
  readonly mac: Uint8Array;
  /** Largest IPv4 packet in one frame. */
  readonly mtu: number;
  /** Largest IPv4 TCP packet the device cuts into MTU-sized ones itself (`mtu` when it cannot). */
  readonly largePacket: number;
  readonly routing = new Ipv4Routing();
  readonly ethernetCounters = new LayerCounters();
  readonly arpCounters = new LayerCounters();
  readonly ipv4Counters = new LayerCounters();
  readonly arp: ArpCache;
  readonly reassembler: Reassembler;
  /** Upper layers build a payload at `tx[PAYLOAD_OFFSET..]`, then call `send`. Room for the largest datagram. */
  readonly tx = new Uint8Array(PAYLOAD_OFFSET + IPV4_MAX_TOTAL_LEN - IPV4_HEADER_LEN);

  private readonly ttl: number;
  private readonly ethernet = new EthernetView();
  private readonly ipv4 = new Ipv4View();
  private readonly arpView = new ArpView();
  private readonly arpFrame = new Uint8Array(ETHERNET_HEADER_LEN + ARP_PACKET_LEN);
  private readonly fragmentFrame: Uint8Array;
  /** The last frame sent from `tx` (see `frameOf`). */
  private txFrame: Uint8Array = new Uint8Array(0);
  private identification: number;
  private closed = false;
  /** Frames dropped because handling them ran out of memory (see `input`). */
  outOfMemoryDrops = 0;

  constructor(
    private readonly net: Net,
    private readonly clock: Clock,
    initialId: number,
    private readonly upper: InterfaceUpper,
    options: InterfaceOptions = {},
    /** Where frames waiting for ARP are counted (the stack's, shared with TCP). */
    memory: MemoryBudget = UNLIMITED,
  ) {
    if (!Number.isInteger(net.mtu) || net.mtu < MIN_MTU || net.mtu > IPV4_MAX_TOTAL_LEN) {
      throw new StackError('unsupported', `the interface's MTU is ${net.mtu}; IPv4 needs ${MIN_MTU} to ${IPV4_MAX_TOTAL_LEN} (RFC 791)`);
    }
    this.mac = net.mac.slice(0, 6);
    this.mtu = net.mtu;
    this.largePacket = Math.max(this.mtu, Math.min(net.offload?.maxPayload ?? 0, IPV4_MAX_TOTAL_LEN));
    this.ttl = options.ttl ?? DEFAULT_TTL;
    this.identification = initialId & 0xffff;
    this.fragmentFrame = new Uint8Array(ETHERNET_HEADER_LEN + this.mtu);
    this.arp = new ArpCache(
      clock,
      this.arpCounters,
      {
        sendRequest: (ip, ethDst) => this.sendArp(ARP_REQUEST, ethDst ?? BROADCAST_MAC, ethDst ?? ZERO_MAC, this.routing.address, ip),
        transmitQueued: (frame, mac) => this.transmit(frame, ETHERNET_HEADER_LEN, frame.length, mac),
        unresolved: (frame) => upper.unresolved(frame),
      },
      options.arp,
      memory,
    );
    this.reassembler = new Reassembler(clock, this.ipv4Counters, (h) => upper.reassemblyTimedOut(h), options.reassembly);
  }

  /** Starts receiving from the Net device. */
  start(): void {
    this.net.onFrame(this.input);
  }

  /** Sets the address; announces it with a gratuitous ARP request (RFC 5227 §3). */
  configure(address: number, prefix: number, gateway: number): void {
    this.routing.set(address, prefix, gateway);
    if (address !== 0) this.sendArp(ARP_REQUEST, BROADCAST_MAC, ZERO_MAC, address, address);
  }

  /** Sends an ARP probe for `address` (RFC 5227 §2.1.1: sender address 0), to learn whether someone uses it. */
  probe(address: number): void {
    this.sendArp(ARP_REQUEST, BROADCAST_MAC, ZERO_MAC, 0, address);
  }

  unconfigure(): void {
    this.routing.clear();
    this.arp.clear();
  }

  /** Resolves once no packet waits for ARP, or after `limitMs`: lets last words (DHCP release, TCP resets) go out. */
  drain(limitMs: number): Promise<void> {
    const end = this.clock.nowMs() + limitMs;
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.arp.queued.addresses === 0 || this.clock.nowMs() >= end) return resolve();
        this.clock.at(Math.min(end, this.clock.nowMs() + DRAIN_POLL_MS), check);
      };
      check();
    });
  }

  close(): void {
    this.closed = true;
    this.arp.clear();
    this.reassembler.clear();
    this.net.close();
  }

  /**
   * Handles one received Ethernet frame (the device's receive handler
   * itself: a field, so no closure stands between the device and it). Never
   * throws: bad input is counted and dropped, and a frame whose handling
   * runs out of memory is dropped and counted (`outOfMemoryDrops`) instead
   * of the error escaping to the driver, which would end an image: to the
   * peers it is a lost frame, which they resend, by when memory may have
   * been freed.
   */
  readonly input = (frame: Uint8Array): void => {
    const eth = this.ethernet;
    const c = this.ethernetCounters;
    c.rx++;
    if (eth.wrap(frame, 0, frame.length) !== null) return c.dropRx('truncated');
    if (eth.isGroupDestination ? !eth.isBroadcast : !macEquals(frame, 0, this.mac)) {
      return c.dropRx('not-for-us');
    }
    const type = eth.etherType;
    try {
      if (type === ETHERTYPE_IPV4) return this.inputIpv4(frame, ETHERNET_HEADER_LEN, frame.length);
      if (type === ETHERTYPE_ARP) return this.inputArp(frame, ETHERNET_HEADER_LEN, frame.length);
    } catch (err) {
      if (!isOutOfMemory(err)) throw err;
      // A plain field, not a LayerCounters drop: counting must not allocate (a new Map entry) while memory is out.
      this.outOfMemoryDrops++;
      return;
    }
    c.dropRx('ethertype');
  };

  /**
   * Sends `tx[PAYLOAD_OFFSET..PAYLOAD_OFFSET+payloadLength)` as one IPv4
   * datagram from `src` (our address when 0 and configured) to `dst`.
   * Fragments it when it does not fit the MTU, but a TCP segment given a
   * `segmentSize` (at most `largePacket` long) leaves as one frame for the
   * device to cut into segments of that many payload bytes.
   */
  send(src: number, dst: number, protocol: number, payloadLength: number, segmentSize = 0): SendResult {
    const c = this.ipv4Counters;
    if (this.closed) return this.txFail('closed', 'failed');
    const total = IPV4_HEADER_LEN + payloadLength;
    if (total > IPV4_MAX_TOTAL_LEN) return this.txFail('too-big', 'too-big');
    const local = this.routing.isLocal(dst);
    const hop = local ? dst : this.routing.nextHop(dst);
    if (hop === NO_ROUTE) return this.txFail('no-route', 'no-route');
    const from = src === 0 ? this.routing.address : src;
    writeIpv4Header(this.tx, ETHERNET_HEADER_LEN, total, this.nextId(), 0, this.ttl, protocol, from, dst);
    const end = ETHERNET_HEADER_LEN + total;
    if (local) return this.loopBack(this.tx.slice(0, end));
    if (this.routing.isBroadcast(dst)) return this.transmit(this.tx, ETHERNET_HEADER_LEN, end, BROADCAST_MAC);
    const large = segmentSize > 0;
    const mac = this.arp.lookup(hop);
    if (mac) return large ? this.transmitLarge(end, mac, segmentSize) : this.transmit(this.tx, ETHERNET_HEADER_LEN, end, mac);
    if (large) return this.enqueueSegments(hop, end, segmentSize);
    if (!this.arp.enqueue(hop, this.tx.slice(0, end))) return 'queue-full';
    c.add('tx.queued');
    return 'queued';
  }

  /** Sends the large TCP packet in `tx[14..end)` as one frame, for the device to segment. */
  private transmitLarge(end: number, mac: Uint8Array, segmentSize: number): SendResult {
    writeEthernetHeader(this.tx, 0, mac, this.mac, ETHERTYPE_IPV4);
    this.ipv4Counters.tx++;
    this.ipv4Counters.add('tx.large');
    return this.write(this.frameOf(this.tx, 0, end), this.ipv4Counters, segmentSize) ? 'sent' : 'failed';
  }

  /** A large TCP packet waiting for ARP: queued as the standard segments the device would have made (the queue sends them whole). */
  private enqueueSegments(hop: number, end: number, segmentSize: number): SendResult {
    let result: SendResult = 'queued';
    segmentTcpFrame(this.tx.subarray(0, end), segmentSize, this.fragmentFrame, (piece) => {
      if (result === 'queued' && !this.arp.enqueue(hop, piece.slice())) result = 'queue-full';
    });
    if (result === 'queued') this.ipv4Counters.add('tx.queued');
    return result;
  }


  /**
   * Packets to ourselves or to 127.0.0.0/8 never reach the wire (RFC 1122
   * §3.2.1.3): they come back in as input on a later microtask, so that a
   * sender is never re-entered from its own send.
   */
  private loopBack(frame: Uint8Array): SendResult {
    this.ipv4Counters.add('tx.loopback');
    void Promise.resolve().then(() => {
      if (!this.closed) this.inputIpv4(frame, ETHERNET_HEADER_LEN, frame.length, true);
    });
    return 'sent';
  }

  private inputIpv4(frame: Uint8Array, start: number, end: number, looped = false): void {
    const c = this.ipv4Counters;
    c.rx++;
    let ip: Ipv4View | null = this.ipv4;
    const invalid = ip.wrap(frame, start, end);
    if (invalid !== null) return c.dropRx(invalid);
    const src = ip.source;
    const dst = ip.destination;
    const r = this.routing;
    // Our own looped-back packets had their addresses checked when they were sent.
    if (!looped) {
      // Tests written out (every packet passes them): multicast, reserved or limited broadcast (224/3), loopback
      // (127/8), our own address, our subnet's broadcast.
      if (src >>> 28 >= 0xe || src >>> 24 === 127 || (src === r.address && src !== 0) || src === r.directedBroadcast) {
        return c.dropRx('bad-source');
      }
      if (dst >>> 24 === 127) return c.dropRx('bad-destination');
      if (!r.configured) {
        // Before DHCP binds, only UDP (to the DHCP client) is taken, to any address (RFC 2131 §4.1).
        if (ip.protocol !== PROTOCOL_UDP) return c.dropRx('unconfigured');
      } else if (dst !== r.address && !r.isBroadcast(dst)) {
        return c.dropRx(isMulticastOrReserved(dst) ? 'multicast' : 'not-for-us');
      }
    }
    if (ip.isFragment) {
      ip = this.reassembler.add(ip);
      if (!ip) return;
    }
    if (this.upper.receive(ip)) return;
    c.dropRx('protocol');
    if (dst === r.address) this.upper.protocolUnreachable(ip);
  }

  private inputArp(frame: Uint8Array, start: number, end: number): void {
    const c = this.arpCounters;
    const arp = this.arpView;
    c.rx++;
    const invalid = arp.wrap(frame, start, end);
    if (invalid !== null) return c.dropRx(invalid);
    const sender = arp.senderIp;
    const senderMac = arp.senderMacOffset;
    if (frame[senderMac]! & 1) return c.dropRx('bad-sender');
    if (!macEquals(frame, senderMac, this.mac)) this.upper.foreignArp(sender, arp.targetIp);
    const ours = this.routing.address;
    if (ours !== 0 && sender === ours) {
      // Someone else claims our address (RFC 5227 §2.4); keep it, count it.
      if (!macEquals(frame, senderMac, this.mac)) c.add('rx.conflict');
      return;
    }
    const forUs = ours !== 0 && arp.targetIp === ours;
    // Probes (sender 0.0.0.0, RFC 5227) teach nothing.
    if (sender !== 0) this.arp.learn(sender, frame, senderMac, forUs);
    if (!forUs) return;
    if (arp.operation === ARP_REQUEST) {
      const requester = frame.subarray(senderMac, senderMac + 6);
      this.sendArp(ARP_REPLY, requester, requester, ours, sender);
    } else {
      c.add('rx.reply');
    }
  }

  private sendArp(operation: number, ethDst: Uint8Array, targetMac: Uint8Array, senderIp: number, targetIp: number): void {
    const f = this.arpFrame;
    writeEthernetHeader(f, 0, ethDst, this.mac, ETHERTYPE_ARP);
    writeArp(f, ETHERNET_HEADER_LEN, operation, this.mac, senderIp, targetMac, targetIp);
    this.arpCounters.add(operation === ARP_REQUEST ? 'tx.request' : 'tx.reply');
    this.write(f, this.arpCounters);
  }

  /** Sends the IPv4 packet `buf[ipStart..ipEnd)` (14 bytes of headroom before it) to `mac`, fragmenting it if needed. */
  private transmit(buf: Uint8Array, ipStart: number, ipEnd: number, mac: Uint8Array): SendResult {
    if (ipEnd - ipStart <= this.mtu) {
      writeEthernetHeader(buf, ipStart - ETHERNET_HEADER_LEN, mac, this.mac, ETHERTYPE_IPV4);
      this.ipv4Counters.tx++;
      return this.write(this.frameOf(buf, ipStart - ETHERNET_HEADER_LEN, ipEnd), this.ipv4Counters) ? 'sent' : 'failed';
    }
    return this.fragment(buf, ipStart, ipEnd, mac);
  }

  /** RFC 791 §3.2 fragmentation: data in multiples of 8 bytes, MF on all but the last. */
  private fragment(buf: Uint8Array, ipStart: number, ipEnd: number, mac: Uint8Array): SendResult {
    const hl = (buf[ipStart]! & 15) * 4;
    const perFragment = Math.floor((this.mtu - hl) / 8) * 8;
    const f = this.fragmentFrame;
    writeEthernetHeader(f, 0, mac, this.mac, ETHERTYPE_IPV4);
    for (let off = 0; ipStart + hl + off < ipEnd; off += perFragment) {
      const dataStart = ipStart + hl + off;
      const len = Math.min(perFragment, ipEnd - dataStart);
      const more = dataStart + len < ipEnd;
      f.set(buf.subarray(ipStart, ipStart + hl), ETHERNET_HEADER_LEN);
      f.set(buf.subarray(dataStart, dataStart + len), ETHERNET_HEADER_LEN + hl);
      writeU16(f, ETHERNET_HEADER_LEN + 2, hl + len);
      writeU16(f, ETHERNET_HEADER_LEN + 6, (more ? FLAG_MORE_FRAGMENTS : 0) | (off / 8));
      writeU16(f, ETHERNET_HEADER_LEN + 10, 0);
      writeU16(f, ETHERNET_HEADER_LEN + 10, checksum(f, ETHERNET_HEADER_LEN, ETHERNET_HEADER_LEN + hl));
      this.ipv4Counters.add('tx.fragments');
      if (!this.write(f.subarray(0, ETHERNET_HEADER_LEN + hl + len), this.ipv4Counters)) return 'failed';
    }
    this.ipv4Counters.tx++;
    return 'sent';
  }

  /** `buf[start..end)`; from `tx`, the last such view again when it has that length (a view costs QuickJS a constructor call). */
  private frameOf(buf: Uint8Array, start: number, end: number): Uint8Array {
    if (buf !== this.tx || start !== 0) return buf.subarray(start, end);
    if (this.txFrame.length !== end) this.txFrame = buf.subarray(0, end);
    return this.txFrame;
  }

  private write(frame: Uint8Array, counters: LayerCounters, segmentSize = 0): boolean {
    try {
      this.net.write(frame, segmentSize);
      this.ethernetCounters.tx++;
      return true;
    } catch (err) {
      counters.dropTx(err instanceof NetError ? err.code : 'error');
      return false;
    }
  }

  private txFail(reason: string, result: SendResult): SendResult {
    this.ipv4Counters.dropTx(reason);
    return result;
  }

  private nextId(): number {
    this.identification = (this.identification + 1) & 0xffff;
    return this.identification;
  }
}
