/**
 * TcpListener over a host listening socket (`node:net` Server).
 *
 * Node accepts connections as soon as the kernel completes them, so the
 * backlog is enforced here: connections beyond `backlog` waiting for
 * `accept()` are reset (and counted), rather than queued without bound.
 * Accepted sockets start paused, so no data is read before the app reads.
 */
import type { Server, Socket } from 'node:net';
import type { Endpoint, Flow } from '../../lib/devices/flow.ts';
import { StackError, type TcpListener } from '../../lib/devices/stack.ts';
import { endpointOf, type SocketFlow } from './flow.ts';
import { AsyncQueue } from '../../lib/async-queue.ts';

export interface ListenerStats {
  resetBacklogFull(): void;
  acceptFailed(): void;
}

export class ServerListener implements TcpListener {
  readonly local: Endpoint;
  private readonly pending: AsyncQueue<SocketFlow>;
  private closed = false;

  constructor(
    private readonly server: Server,
    backlog: number,
    wrap: (socket: Socket) => SocketFlow,
    stats: ListenerStats,
    private readonly onGone: (listener: ServerListener) => void,
  ) {
    const bound = server.address();
    this.local = typeof bound === 'object' && bound ? endpointOf(bound.address, bound.port) : endpointOf(undefined, 0);
    this.pending = new AsyncQueue({ items: backlog });
    server.on('connection', (socket: Socket) => {
      const flow = wrap(socket);
      if (!this.pending.offer(flow)) {
        stats.resetBacklogFull();
        flow.abort();
      }
    });
    // Node reports a failed accept (EMFILE...) here; the listener goes on, as a kernel's would.
    server.on('error', () => stats.acceptFailed());
  }

  accept(): Promise<Flow> {
    return this.pending.take();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const what = `tcp listener ${this.local.address}:${this.local.port}`;
    for (const flow of this.pending.close(new StackError('closed', `accept: ${what} is closed`))) flow.abort();
    // The listening descriptor closes at once; server.close's callback would also wait for accepted flows.
    this.server.close();
    this.onGone(this);
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<Flow> {
    return this.pending[Symbol.asyncIterator]();
  }
}
