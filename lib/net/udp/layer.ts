/**
 * UDP (RFC 768, RFC 1122 §4.1): port bindings, checksums generated and
 * verified, ICMP port unreachable for closed ports. Sockets (socket.ts) and
 * the DHCP client bind ports here.
 */
import type { Random } from '../../devices/random.ts';
import { randomU32 } from '../../devices/random.ts';
import { StackError, type UdpSocket } from '../../devices/stack.ts';
import { parseIpv4 } from '../../ipv4-text.ts';
import { EPHEMERAL_COUNT, EPHEMERAL_FIRST } from '../ephemeral-ports.ts';
import { LayerCounters } from '../iface/counters.ts';
import { PAYLOAD_OFFSET, type Ipv4Output, type SendResult } from '../iface/interface.ts';
import { isLoopback } from '../iface/routing.ts';
import { PROTOCOL_UDP, type Ipv4View } from '../wire/ipv4.ts';
import { UDP_HEADER_LEN, UDP_MAX_PAYLOAD, UdpView, writeUdpHeader } from '../wire/udp.ts';
import { StackUdpSocket } from './socket.ts';

export interface UdpOptions {
  /** Datagrams waiting to be received per socket (default 256). */
  receiveQueueDatagrams?: number;
  /** Bytes waiting to be received per socket (default 1 MB). */
  receiveQueueBytes?: number;
}

/** Receives datagrams for a port taken by the stack itself (the DHCP client). The bytes are valid only during the call. */
export type UdpHandler = (src: number, srcPort: number, dst: number, bytes: Uint8Array, start: number, end: number) => void;

/** What UDP needs from the stack. */
export interface UdpEnv {
  ip: Ipv4Output;
  random: Random;
  /** Answers a datagram for a port nobody bound (ICMP port unreachable). */
  portUnreachable(ip: Ipv4View): void;
}

export interface Binding {
  /** 0 for any of our addresses. */
  address: number;
  deliver: UdpHandler;
  /** Called when the layer closes. */
  close?: () => void;
}

export class UdpLayer {
  readonly counters = new LayerCounters();
  private readonly bindings = new Map<number, Binding>();
  private readonly view = new UdpView();
  private nextEphemeral: number;
  readonly receiveQueueDatagrams: number;
  readonly receiveQueueBytes: number;

  private readonly ip: Ipv4Output;

  constructor(
    private readonly env: UdpEnv,
    options: UdpOptions = {},
  ) {
    this.ip = env.ip;
    this.nextEphemeral = randomU32(env.random) % EPHEMERAL_COUNT;
    this.receiveQueueDatagrams = options.receiveQueueDatagrams ?? 256;
    this.receiveQueueBytes = options.receiveQueueBytes ?? 1024 * 1024;
  }

  /** Binds a socket; port 0 picks a free ephemeral port. */
  bind(port: number, addressText = '0.0.0.0'): UdpSocket {
    const address = parseIpv4(addressText);
    if (address === null || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new StackError('invalid-address', `cannot bind UDP to ${addressText}:${port}: expected a dotted address and a port 0-65535`);
    }
    if (address !== 0 && !this.ip.routing.isLocal(address)) {
      throw new StackError('invalid-address', `cannot bind UDP to ${addressText}: not an address of this stack`);
    }
    const chosen = port === 0 ? this.ephemeralPort() : port;
    const socket = new StackUdpSocket(this, { address: addressText, port: chosen }, address);
    this.take(chosen, {
      address,
      deliver: (s, sp, _d, b, start, end) => socket.enqueue(s, sp, b, start, end),
      close: () => void socket.close(),
    });
    return socket;
  }

  /** Takes a port for the stack's own use; throws StackError('address-in-use') when taken. */
  take(port: number, binding: Binding): void {
    if (port === 0 || this.bindings.has(port)) throw new StackError('address-in-use', `UDP port ${port} is in use`);
    this.bindings.set(port, binding);
  }

  release(port: number): void {
    this.bindings.delete(port);
  }

  /** Sends one datagram. `src` 0 means our address (0.0.0.0 while unconfigured, as DHCP needs). */
  sendTo(src: number, srcPort: number, dst: number, dstPort: number, data: Uint8Array): SendResult {
    if (data.length > UDP_MAX_PAYLOAD) return 'too-big';
    const tx = this.ip.tx;
    tx.set(data, PAYLOAD_OFFSET + UDP_HEADER_LEN);
    const from = src === 0 ? this.ip.routing.address : src;
    // A loopback source never goes on the wire (RFC 1122 §3.2.1.3).
    if (isLoopback(from) && !this.ip.routing.isLocal(dst)) return 'no-route';
    writeUdpHeader(tx, PAYLOAD_OFFSET, srcPort, dstPort, data.length, from, dst);
    const result = this.ip.send(from, dst, PROTOCOL_UDP, UDP_HEADER_LEN + data.length);
    if (result === 'sent' || result === 'queued') this.counters.tx++;
    else this.counters.dropTx(result);
    return result;
  }

  input(ip: Ipv4View): void {
    const c = this.counters;
    const v = this.view;
    c.rx++;
    const src = ip.source;
    const dst = ip.destination;
    const invalid = v.wrap(ip.bytes, ip.payloadStart, ip.payloadEnd, src, dst);
    if (invalid !== null) return c.dropRx(invalid);
    const b = this.bindings.get(v.destinationPort);
    const r = this.ip.routing;
    if (!b || (b.address !== 0 && b.address !== dst && !r.isBroadcast(dst))) {
      c.dropRx('no-socket');
      if ((dst === r.address && r.configured) || isLoopback(dst)) this.env.portUnreachable(ip);
      return;
    }
    b.deliver(src, v.sourcePort, dst, v.bytes, v.payloadStart, v.payloadEnd);
  }

  /** Closes every bound socket. */
  close(): void {
    for (const b of [...this.bindings.values()]) b.close?.();
    this.bindings.clear();
  }

  private ephemeralPort(): number {
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      const port = EPHEMERAL_FIRST + ((this.nextEphemeral + i) % EPHEMERAL_COUNT);
      if (!this.bindings.has(port)) {
        this.nextEphemeral = (this.nextEphemeral + i + 1) % EPHEMERAL_COUNT;
        return port;
      }
    }
    throw new StackError('address-in-use', 'no free ephemeral UDP port');
  }
}
