/**
 * UDP (RFC 768, RFC 1122 §4.1): bound sockets with bounded receive queues,
 * checksums generated and verified, ICMP port unreachable for closed ports.
 */
import { AsyncQueue } from '../../async-queue.ts';
import type { Random } from '../../devices/random.ts';
import { randomU32 } from '../../devices/random.ts';
import type { Datagram, UdpSocket } from '../../devices/stack.ts';
import { StackError } from '../../devices/stack.ts';
import type { Endpoint } from '../../devices/flow.ts';
import { formatIpv4, parseIpv4 } from '../../ipv4-text.ts';
import { ICMP_DEST_UNREACHABLE, UNREACHABLE_PORT } from '../wire/icmpv4.ts';
import { PROTOCOL_UDP, type Ipv4View } from '../wire/ipv4.ts';
import { UDP_HEADER_LEN, UDP_MAX_PAYLOAD, UdpView, writeUdpHeader } from '../wire/udp.ts';
import { LayerCounters } from './counters.ts';
import type { IcmpLayer } from './icmp.ts';
import { PAYLOAD_OFFSET, type NetworkInterface, type SendResult } from './interface.ts';
import { isLoopback } from './routing.ts';
import { EPHEMERAL_COUNT, EPHEMERAL_FIRST } from '../ephemeral-ports.ts';

export interface UdpOptions {
  /** Datagrams waiting to be received per socket (default 256). */
  receiveQueueDatagrams?: number;
  /** Bytes waiting to be received per socket (default 1 MB). */
  receiveQueueBytes?: number;
}

/** Receives datagrams for a port taken by the stack itself (the DHCP client). The bytes are valid only during the call. */
export type UdpHandler = (src: number, srcPort: number, dst: number, bytes: Uint8Array, start: number, end: number) => void;


interface Binding {
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

  constructor(
    private readonly iface: NetworkInterface,
    private readonly icmp: IcmpLayer,
    random: Random,
    options: UdpOptions = {},
  ) {
    this.nextEphemeral = randomU32(random) % EPHEMERAL_COUNT;
    this.receiveQueueDatagrams = options.receiveQueueDatagrams ?? 256;
    this.receiveQueueBytes = options.receiveQueueBytes ?? 1024 * 1024;
    iface.handlers[PROTOCOL_UDP] = (ip) => this.input(ip);
  }

  /** Binds a socket; port 0 picks a free ephemeral port. */
  bind(port: number, addressText = '0.0.0.0'): UdpSocket {
    const address = parseIpv4(addressText);
    if (address === null || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new StackError('invalid-address', `cannot bind UDP to ${addressText}:${port}: expected a dotted address and a port 0-65535`);
    }
    if (address !== 0 && !this.iface.routing.isLocal(address)) {
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
    const tx = this.iface.tx;
    tx.set(data, PAYLOAD_OFFSET + UDP_HEADER_LEN);
    const from = src === 0 ? this.iface.routing.address : src;
    // A loopback source never goes on the wire (RFC 1122 §3.2.1.3).
    if (isLoopback(from) && !this.iface.routing.isLocal(dst)) return 'no-route';
    writeUdpHeader(tx, PAYLOAD_OFFSET, srcPort, dstPort, data.length, from, dst);
    const result = this.iface.send(from, dst, PROTOCOL_UDP, UDP_HEADER_LEN + data.length);
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
    const r = this.iface.routing;
    if (!b || (b.address !== 0 && b.address !== dst && !r.isBroadcast(dst))) {
      c.dropRx('no-socket');
      if ((dst === r.address && r.configured) || isLoopback(dst)) this.icmp.sendError(ICMP_DEST_UNREACHABLE, UNREACHABLE_PORT, ip);
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

class StackUdpSocket implements UdpSocket {
  private readonly queue: AsyncQueue<Datagram>;
  private closed = false;

  constructor(
    private readonly layer: UdpLayer,
    readonly local: Endpoint,
    private readonly address: number,
  ) {
    this.queue = new AsyncQueue({ items: layer.receiveQueueDatagrams, bytes: layer.receiveQueueBytes, bytesOf: (d) => d.data.length });
  }

  enqueue(src: number, srcPort: number, bytes: Uint8Array, start: number, end: number): void {
    const datagram: Datagram = { data: bytes.slice(start, end), from: { address: formatIpv4(src), port: srcPort } };
    if (this.queue.offer(datagram)) this.layer.counters.add('rx.delivered');
    else this.layer.counters.dropRx('queue-full');
  }

  async send(data: Uint8Array, to: Endpoint): Promise<void> {
    if (this.closed) throw new StackError('closed', 'UDP socket is closed');
    const dst = parseIpv4(to.address);
    if (dst === null || !Number.isInteger(to.port) || to.port < 1 || to.port > 65535) {
      throw new StackError('invalid-address', `cannot send UDP to ${to.address}:${to.port}: expected a dotted address and a port 1-65535`);
    }
    if (data.length > UDP_MAX_PAYLOAD) {
      throw new StackError('message-size', `UDP payload of ${data.length} bytes exceeds ${UDP_MAX_PAYLOAD}`);
    }
    const result = this.layer.sendTo(this.address, this.local.port, dst, to.port, data);
    if (result === 'no-route') throw new StackError('unreachable', `no route to ${to.address}`);
    if (result === 'failed') throw new StackError('closed', 'network interface is closed');
  }

  receive(): Promise<Datagram> {
    return this.queue.take();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.close(new StackError('closed', 'UDP socket is closed'));
    this.layer.release(this.local.port);
  }

  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return this.queue[Symbol.asyncIterator]();
  }
}
