/**
 * A listening socket: the accept queue of completed connections (bounded by
 * the backlog) and the count of half-open ones (bounded by the SYN backlog,
 * beyond which the layer answers with SYN cookies).
 */
import type { Flow, Endpoint } from '../../devices/flow.ts';
import type { MemoryBudget } from '../../devices/memory-budget.ts';
import { StackError, type TcpListener } from '../../devices/stack.ts';
import { formatIpv4 } from '../../ipv4-text.ts';
import type { Connection, ListenerHooks } from './connection.ts';
import { TcpFlow, type StackGuard } from './flow.ts';

interface Waiter {
  resolve(flow: Flow): void;
  reject(err: Error): void;
}

/** What a listener needs from the layer. */
export interface ListenerHost extends StackGuard {
  removeListener(listener: TcpListenerSocket): void;
  readonly memory: MemoryBudget;
}

export class TcpListenerSocket implements TcpListener, ListenerHooks {
  readonly local: Endpoint;
  private readonly queue: TcpFlow[] = [];
  private readonly waiters: Waiter[] = [];
  /** Connections in SYN-RECEIVED. */
  readonly halfOpen = new Set<Connection>();
  /** When this listener last answered with a SYN cookie; cookies are only checked for a while after. */
  lastCookieMs = -Infinity;
  closed = false;

  constructor(
    private readonly host: ListenerHost,
    readonly address: number,
    readonly port: number,
    readonly backlog: number,
  ) {
    this.local = { address: formatIpv4(address), port };
  }

  /** The layer's budget, for the service on this listener to count its per-connection state in. */
  get memory(): MemoryBudget {
    return this.host.memory;
  }

  get acceptQueueFull(): boolean {
    return this.queue.length >= this.backlog;
  }

  accept(): Promise<Flow> {
    const flow = this.queue.shift();
    if (flow) return Promise.resolve(flow);
    if (this.closed) return Promise.reject(new StackError('closed', `listener on port ${this.port} is closed`));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.host.removeListener(this);
    const err = new StackError('closed', `listener on port ${this.port} is closed`);
    for (const w of this.waiters.splice(0)) w.reject(err);
    // Connections nobody will accept are reset, as a closing listening socket does.
    this.host.enter();
    try {
      for (const flow of this.queue.splice(0)) flow.connection.abort('closed');
      for (const conn of [...this.halfOpen]) conn.abort('closed');
    } finally {
      this.host.leave();
    }
    return Promise.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Flow> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (err) {
        if (err instanceof StackError && err.code === 'closed') return;
        throw err;
      }
    }
  }

  // ListenerHooks

  admit(conn: Connection): boolean {
    if (this.closed || this.acceptQueueFull) return false;
    const flow = new TcpFlow(conn, this.host);
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(flow);
    else this.queue.push(flow);
    return true;
  }

  halfOpenDone(conn: Connection): void {
    this.halfOpen.delete(conn);
  }
}
