/**
 * Stack over the host's sockets (`node:net`, `node:dgram`): what an app gets
 * on unix. Addresses and routes are the host's. ICMP echo needs a raw socket,
 * which an unprivileged Node process cannot open, so `ping` rejects with
 * `StackError('unsupported')`; the TypeScript stack (over a socat tap, or on
 * hvt) answers and sends pings.
 */
import { createSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Flow } from '../../lib/devices/flow.ts';
import { FlowError } from '../../lib/devices/flow.ts';
import {
  StackError,
  type ConnectOptions,
  type Ipv4Config,
  type ListenOptions,
  type PingReply,
  type Stack,
  type StackCounters,
  type TcpListener,
  type UdpSocket,
} from '../../lib/devices/stack.ts';
import { checkAddress, checkPort } from './endpoint-checks.ts';
import { SocketFlow } from './flow.ts';
import { hostIpv4 } from './host-ipv4.ts';
import { hostDnsServers } from './host-resolvers.ts';
import { ServerListener } from './listener.ts';
import { flowErrorFrom, stackErrorFrom } from './host-errors.ts';
import { DgramSocket } from './udp.ts';

export interface UnixStackOptions {
  /**
   * A host address to use by default: listeners and UDP sockets bind it,
   * connections leave from it (`--ipv4=A/N` on unix). Default: all addresses.
   */
  address?: string;
  /** Datagrams a UDP socket holds before dropping new ones (default 1024). */
  udpQueueLimit?: number;
}

const DEFAULT_BACKLOG = 128;
const DEFAULT_CONNECT_TIMEOUT_MS = 75_000;

/** Counters by layer then name; every value only grows. */
class Counters {
  private readonly layers: StackCounters = { tcp: {}, udp: {} };

  add(layer: 'tcp' | 'udp', name: string, n = 1): void {
    const counters = this.layers[layer]!;
    counters[name] = (counters[name] ?? 0) + n;
  }

  snapshot(): StackCounters {
    return Object.fromEntries(Object.entries(this.layers).map(([layer, c]) => [layer, { ...c }]));
  }
}

class UnixStack implements Stack {
  private readonly host: Omit<Ipv4Config, 'dnsServers'>;
  private readonly counts = new Counters();
  /** What `close()` must release: listeners, UDP sockets and flows still open. */
  private readonly open = new Map<object, () => Promise<void>>();
  private closed = false;

  constructor(private readonly options: UnixStackOptions) {
    this.host = hostIpv4(options.address);
  }

  /** The host's configuration; its DNS servers as /etc/resolv.conf names them now (the host may change them). */
  get ipv4(): Ipv4Config {
    return { ...this.host, dnsServers: hostDnsServers() };
  }

  async listenTcp(port: number, options: ListenOptions = {}): Promise<TcpListener> {
    this.checkOpen('listen');
    checkPort(port, 'tcp listen', 0);
    const address = options.address ?? this.options.address ?? '0.0.0.0';
    checkAddress(address, 'tcp listen');
    const backlog = options.backlog ?? DEFAULT_BACKLOG;
    if (!Number.isInteger(backlog) || backlog < 1) {
      throw new StackError('invalid-address', `tcp listen: backlog ${backlog} is not a positive integer`);
    }
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await listenOn(server, port, address, backlog);
    this.counts.add('tcp', 'listeners.opened');
    const listener = new ServerListener(
      server,
      backlog,
      (socket) => {
        this.counts.add('tcp', 'connections.accepted');
        return this.track(socket);
      },
      {
        resetBacklogFull: () => this.counts.add('tcp', 'connections.reset.backlog-full'),
        acceptFailed: () => this.counts.add('tcp', 'accept.failed'),
      },
      (l) => this.open.delete(l),
    );
    return this.adopt(listener, () => listener.close(), 'tcp listen');
  }

  async connectTcp(address: string, port: number, options: ConnectOptions = {}): Promise<Flow> {
    this.checkOpen('connect');
    checkAddress(address, 'tcp connect');
    checkPort(port, 'tcp connect', 1);
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const what = `tcp connect ${address}:${port}`;
    const socket = connect({
      host: address,
      port,
      allowHalfOpen: true,
      noDelay: options.noDelay ?? false,
      ...(this.options.address ? { localAddress: this.options.address } : {}),
    });
    socket.pause();
    // Until it connects, closing the stack destroys the attempt.
    const attempt = {};
    this.open.set(attempt, async () => void socket.destroy());
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new FlowError('timed-out', `${what}: no answer in ${timeoutMs} ms`));
        }, timeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.removeAllListeners('error').removeAllListeners('close');
          resolve();
        });
        socket.once('error', (err) => {
          clearTimeout(timer);
          this.counts.add('tcp', 'connections.failed');
          reject(flowErrorFrom(err, what));
        });
        // Destroyed without an error: the stack closed while connecting.
        socket.once('close', () => {
          clearTimeout(timer);
          reject(new StackError('closed', `${what}: the stack was closed`));
        });
      });
    } finally {
      this.open.delete(attempt);
    }
    this.counts.add('tcp', 'connections.opened');
    return this.track(socket);
  }

  async bindUdp(port: number, address?: string): Promise<UdpSocket> {
    this.checkOpen('udp bind');
    checkPort(port, 'udp bind', 0);
    const host = address ?? this.options.address ?? '0.0.0.0';
    checkAddress(host, 'udp bind');
    const socket = createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err) => {
        socket.close();
        reject(stackErrorFrom(err, `udp bind ${host}:${port}`, true));
      });
      socket.bind({ port, address: host, exclusive: true }, () => {
        socket.removeAllListeners('error');
        resolve();
      });
    });
    const udp = new DgramSocket(
      socket,
      this.options.udpQueueLimit ?? 1024,
      {
        received: (bytes) => {
          this.counts.add('udp', 'rx.datagrams');
          this.counts.add('udp', 'rx.bytes', bytes);
        },
        dropped: () => this.counts.add('udp', 'rx.dropped.queue-full'),
        sent: (bytes) => {
          this.counts.add('udp', 'tx.datagrams');
          this.counts.add('udp', 'tx.bytes', bytes);
        },
      },
      (s) => this.open.delete(s),
    );
    return this.adopt(udp, () => udp.close(), 'udp bind');
  }

  async ping(address: string): Promise<PingReply> {
    checkAddress(address, 'ping');
    throw new StackError(
      'unsupported',
      `ping ${address}: the unix stack uses host sockets, and ICMP echo needs a raw socket that an ` +
        'unprivileged Node process cannot open; run the app on hvt, or on unix with the TypeScript stack over a socat tap',
    );
  }

  counters(): StackCounters {
    return this.counts.snapshot();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.open.values()].map((release) => release()));
  }

  private checkOpen(what: string): void {
    if (this.closed) throw new StackError('closed', `${what}: the stack is closed`);
  }

  /** Keeps what an open produced for `close()`, or releases it at once if the stack closed meanwhile. */
  private adopt<T extends object>(resource: T, release: () => Promise<void>, what: string): T {
    if (this.closed) {
      void release();
      throw new StackError('closed', `${what}: the stack was closed`);
    }
    this.open.set(resource, release);
    return resource;
  }

  private track(socket: Socket): SocketFlow {
    const flow = new SocketFlow(
      socket,
      {
        received: (bytes) => this.counts.add('tcp', 'rx.bytes', bytes),
        sent: (bytes) => this.counts.add('tcp', 'tx.bytes', bytes),
      },
      (f) => this.open.delete(f),
    );
    return this.adopt(flow, () => flow.release(), 'tcp');
  }
}

function listenOn(server: Server, port: number, host: string, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(stackErrorFrom(err, `tcp listen ${host}:${port}`, true)));
    server.listen({ port, host, backlog, exclusive: true }, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
}

/** A Stack over the host's sockets. Throws StackError('invalid-address') when `address` is not the host's. */
export function createUnixStack(options: UnixStackOptions = {}): Stack {
  return new UnixStack(options);
}
