/** A bound UDP socket: a bounded receive queue (datagrams and bytes), sends through its layer. */
import { AsyncQueue } from '../../async-queue.ts';
import type { Endpoint } from '../../devices/flow.ts';
import { StackError, type Datagram, type UdpSocket } from '../../devices/stack.ts';
import { formatIpv4, parseIpv4 } from '../../ipv4-text.ts';
import { UDP_MAX_PAYLOAD } from '../wire/udp.ts';
import type { UdpLayer } from './layer.ts';

export class StackUdpSocket implements UdpSocket {
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
