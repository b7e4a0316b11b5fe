/**
 * The Flow signature over a TCP connection: promises for reads, writes with
 * back-pressure from the bounded send buffer, shutdown, close and abort, and
 * typed errors. The connection calls back through `ConnectionUser`.
 */
import { FlowError, type Endpoint, type Flow, type FlowErrorCode } from '../../devices/flow.ts';
import { formatIpv4 } from '../../ipv4-text.ts';
import { type Connection, type ConnectionUser, State } from './connection.ts';

interface PendingWrite {
  data: Uint8Array;
  offset: number;
  resolve(): void;
  reject(err: Error): void;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/**
 * What a write that the send buffer took whole returns: one settled promise
 * for all of them (making one per write costs QuickJS a promise and its
 * capability each time; a settled promise is never changed by its users).
 */
const WRITTEN: Promise<void> = Promise.resolve();

const MESSAGES: Record<FlowErrorCode, string> = {
  reset: 'connection reset by peer',
  'timed-out': 'connection timed out',
  refused: 'connection refused',
  unreachable: 'peer unreachable',
  closed: 'flow is closed',
};

export class TcpFlow implements Flow, ConnectionUser {
  /** The endpoints as text, made when first asked for (most connections under attack never are). */
  private localEndpoint: Endpoint | null = null;
  private remoteEndpoint: Endpoint | null = null;
  private readonly readers: Waiter<Uint8Array | null>[] = [];
  private readonly writes: PendingWrite[] = [];
  private readonly finWaiters: Waiter<void>[] = [];
  /** Waiting for an active open to complete. */
  private opening: Waiter<Flow> | null = null;
  private writeShut = false;
  private closedByApp = false;

  constructor(readonly connection: Connection) {
    connection.user = this;
  }

  get local(): Endpoint {
    const c = this.connection;
    return (this.localEndpoint ??= { address: formatIpv4(c.localAddress), port: c.localPort });
  }

  get remote(): Endpoint {
    const c = this.connection;
    return (this.remoteEndpoint ??= { address: formatIpv4(c.remoteAddress), port: c.remotePort });
  }

  /** Resolves with this flow once the active open completes, rejects if it fails. */
  whenOpen(): Promise<Flow> {
    return new Promise((resolve, reject) => {
      this.opening = { resolve, reject };
    });
  }

  read(): Promise<Uint8Array | null> {
    const c = this.connection;
    if (this.closedByApp) return Promise.resolve(null);
    if (c.error) return Promise.reject(this.error(c.error));
    if (c.readable > 0) return Promise.resolve(this.take());
    if (this.atEnd()) return Promise.resolve(null);
    return new Promise(this.queueReader);
  }

  /** A waiting read's executor, made once per flow rather than once per read. */
  private readonly queueReader = (resolve: (chunk: Uint8Array | null) => void, reject: (err: Error) => void): void => {
    this.readers.push({ resolve, reject });
  };

  write(data: Uint8Array): Promise<void> {
    const c = this.connection;
    if (c.error) return Promise.reject(this.error(c.error));
    if (this.writeShut || this.closedByApp || c.state === State.Closed) return Promise.reject(this.error('closed'));
    if (data.length === 0) return Promise.resolve();
    if (this.writes.length === 0) {
      const n = c.write(data, 0, data.length);
      if (n === data.length) return WRITTEN;
      return new Promise((resolve, reject) => this.writes.push({ data, offset: n, resolve, reject }));
    }
    return new Promise((resolve, reject) => this.writes.push({ data, offset: 0, resolve, reject }));
  }

  shutdown(): Promise<void> {
    const c = this.connection;
    if (c.error) return Promise.reject(this.error(c.error));
    this.writeShut = true;
    return this.queueFin();
  }

  close(): Promise<void> {
    if (this.closedByApp) return Promise.resolve();
    this.closedByApp = true;
    const c = this.connection;
    this.settleReaders(null);
    if (c.state === State.Closed || c.error) {
      c.dropUnread();
      return Promise.resolve();
    }
    if (c.readable > 0) {
      // Unread data would be lost silently: tell the peer with a reset (RFC 9293 §3.10.4 and common practice).
      c.abort('closed');
      return Promise.resolve();
    }
    c.appClosed = true;
    this.writeShut = true;
    return this.queueFin().catch(() => undefined);
  }

  abort(): void {
    this.closedByApp = true;
    this.connection.abort('closed');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = await this.read();
      if (chunk === null) return;
      yield chunk;
    }
  }

  // ConnectionUser

  readable(): void {
    while (this.readers.length > 0 && this.connection.readable > 0) this.readers.shift()!.resolve(this.take());
    if (this.readers.length > 0 && this.atEnd()) this.settleReaders(null);
  }

  writable(): void {
    const c = this.connection;
    while (this.writes.length > 0) {
      const w = this.writes[0]!;
      w.offset += c.write(w.data, w.offset, w.data.length);
      if (w.offset < w.data.length) return;
      this.writes.shift();
      w.resolve();
    }
    if (this.writeShut && !c.finQueued) this.finishShutdown();
  }

  opened(): void {
    this.opening?.resolve(this);
    this.opening = null;
  }

  failed(code: FlowErrorCode): void {
    const err = this.error(code);
    this.opening?.reject(err);
    this.opening = null;
    for (const r of this.readers.splice(0)) r.reject(err);
    for (const w of this.writes.splice(0)) w.reject(err);
    for (const f of this.finWaiters.splice(0)) f.reject(err);
  }

  private queueFin(): Promise<void> {
    const c = this.connection;
    if (c.finQueued || c.state === State.Closed) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.finWaiters.push({ resolve, reject }));
    if (this.writes.length === 0) this.finishShutdown();
    return done;
  }

  /** All written data is in the send buffer: queue the FIN behind it. */
  private finishShutdown(): void {
    this.connection.shutdown();
    for (const f of this.finWaiters.splice(0)) f.resolve();
  }

  private take(): Uint8Array {
    return this.connection.read();
  }

  private atEnd(): boolean {
    const c = this.connection;
    return c.readable === 0 && (c.eof || (c.state === State.Closed && c.error === null));
  }

  private settleReaders(value: null): void {
    for (const r of this.readers.splice(0)) r.resolve(value);
  }

  private error(code: FlowErrorCode): FlowError {
    return new FlowError(code, `${MESSAGES[code]} (${this.remote.address}:${this.remote.port})`);
  }
}
