/**
 * UdpSocket over a host datagram socket (`node:dgram`). Datagrams wait in a
 * bounded queue until received; when it is full new ones are dropped and
 * counted, as a kernel drops them when a socket's buffer is full.
 */
import type { Socket } from 'node:dgram';
import type { Endpoint } from '../../lib/devices/flow.ts';
import { StackError, type Datagram, type UdpSocket } from '../../lib/devices/stack.ts';
import { AsyncQueue } from '../../lib/async-queue.ts';
import { endpointOf } from './flow.ts';
import { stackErrorFrom } from './host-errors.ts';
import { checkAddress, checkPort } from './endpoint-checks.ts';

/** Largest UDP payload in one IPv4 datagram: 65535 - 20 (IPv4 header) - 8 (UDP header). */
export const MAX_UDP_PAYLOAD = 65_507;

export interface UdpStats {
  received(bytes: number): void;
  dropped(): void;
  sent(bytes: number): void;
}

export class DgramSocket implements UdpSocket {
  readonly local: Endpoint;
  private readonly queue: AsyncQueue<Datagram>;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    queueLimit: number,
    private readonly stats: UdpStats,
    private readonly onGone: (socket: DgramSocket) => void,
  ) {
    const bound = socket.address();
    this.local = endpointOf(bound.address, bound.port);
    this.queue = new AsyncQueue({ items: queueLimit });
    socket.on('message', (msg: Buffer, from) => {
      const data = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      if (this.queue.offer({ data, from: endpointOf(from.address, from.port) })) stats.received(data.length);
      else stats.dropped();
    });
    // Errors after binding concern one send, whose callback reports them.
    socket.on('error', () => {});
  }

  async send(data: Uint8Array, to: Endpoint): Promise<void> {
    if (this.closed) throw new StackError('closed', 'udp send: the socket is closed');
    checkAddress(to.address, 'udp send');
    checkPort(to.port, 'udp send', 1);
    if (data.length > MAX_UDP_PAYLOAD) {
      throw new StackError(
        'message-size',
        `udp send: ${data.length} bytes is more than ${MAX_UDP_PAYLOAD}, the most one IPv4 datagram holds`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      this.socket.send(data, to.port, to.address, (err) => {
        if (err) return reject(stackErrorFrom(err, `udp send to ${to.address}:${to.port}`));
        this.stats.sent(data.length);
        resolve();
      });
    });
  }

  receive(): Promise<Datagram> {
    return this.queue.take();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.queue.close(new StackError('closed', `udp receive: socket ${this.local.address}:${this.local.port} is closed`));
    this.onGone(this);
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return this.queue[Symbol.asyncIterator]();
  }
}
