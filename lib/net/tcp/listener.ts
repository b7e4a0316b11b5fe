/**
 * A listening socket: the accept queue of completed connections (bounded by
 * the backlog) and the table of half-open ones (bounded by the SYN backlog,
 * beyond which the layer answers with SYN cookies).
 */
import { AsyncQueue } from '../../async-queue.ts';
import type { Flow, Endpoint } from '../../devices/flow.ts';
import type { MemoryBudget } from '../../devices/memory-budget.ts';
import { StackError, type TcpListener } from '../../devices/stack.ts';
import { formatIpv4 } from '../../ipv4-text.ts';
import type { Timer } from '../../devices/clock.ts';
import type { Connection } from './connection.ts';
import { TcpFlow } from './flow.ts';
import { HalfOpenTable } from './half-open-table.ts';

/** What a listener needs from the layer. */
export interface ListenerHost {
  /** Forgets the listener and resets its half-open connections. */
  removeListener(listener: TcpListenerSocket): void;
  readonly memory: MemoryBudget;
}

export class TcpListenerSocket implements TcpListener {
  readonly local: Endpoint;
  private readonly queue: AsyncQueue<TcpFlow>;
  /** Connections in SYN-RECEIVED, as compact records until their handshake completes. */
  readonly halfOpen: HalfOpenTable;
  /** The SYN-ACK retransmission timer of the half-open records, and the deadline it is armed for. */
  synAckTimer: Timer | null = null;
  synAckArmedAt = Infinity;
  /** When this listener last answered with a SYN cookie; cookies are only checked for a while after. */
  lastCookieMs = -Infinity;
  closed = false;

  constructor(
    private readonly host: ListenerHost,
    readonly address: number,
    readonly port: number,
    readonly backlog: number,
    synBacklog: number,
    hashSeed: number,
  ) {
    this.local = { address: formatIpv4(address), port };
    this.queue = new AsyncQueue({ items: backlog });
    this.halfOpen = new HalfOpenTable(synBacklog, hashSeed);
  }

  /** The layer's budget, for the service on this listener to count its per-connection state in. */
  get memory(): MemoryBudget {
    return this.host.memory;
  }

  get acceptQueueFull(): boolean {
    return this.queue.full;
  }

  accept(): Promise<Flow> {
    return this.queue.take();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.host.removeListener(this);
    const unaccepted = this.queue.close(new StackError('closed', `listener on port ${this.port} is closed`));
    // Connections nobody will accept are reset, as a closing listening socket does.
    for (const flow of unaccepted) flow.connection.abort('closed');
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<Flow> {
    return this.queue[Symbol.asyncIterator]();
  }

  /** The handshake completed: queue the connection for accept; false when the queue is full. */
  admit(conn: Connection): boolean {
    if (this.closed || this.acceptQueueFull) return false;
    return this.queue.offer(new TcpFlow(conn));
  }
}
