/**
 * TLS over Flows: `tlsServer` turns a TcpListener into a listener of TLS
 * flows, `tlsClient` runs a client handshake over a connected Flow, and
 * `tlsConnect` does both steps from a Stack. The flows they give are
 * ordinary Flows, so lib/http runs over them unchanged.
 */
import type { Clock, Timer } from '../devices/clock.ts';
import { FlowError, type Endpoint, type Flow } from '../devices/flow.ts';
import { StackError, type ConnectOptions, type Stack, type TcpListener } from '../devices/stack.ts';
import { TlsError } from './alert.ts';
import { tlsClientConnection } from './client-handshake.ts';
import type { TlsClientOptions, TlsServerOptions } from './config.ts';
import type { HandshakeResult, TlsConnection } from './connection.ts';
import { TlsServerContext } from './server-handshake.ts';

/**
 * Bytes a writer may have sealed or waiting to be sealed before its write
 * waits: enough for four full records, so records keep flowing while the
 * TCP flow sends the previous batch, and small writes made meanwhile are
 * sealed together.
 */
const WRITE_AHEAD = 4 * (1 << 14);

const WRITTEN = Promise.resolve();

/** A Flow carrying TLS; reads and writes are application data. */
export class TlsFlow implements Flow {
  private queue: Uint8Array[] = [];
  private sending = false;
  private writeFailure: unknown = null;
  /** Writers and flushes waiting on the sender; each returns true once settled. */
  private waiting: (() => boolean)[] = [];
  private readerBusy = false;
  /** The peer ended the TCP stream without close_notify (a possible truncation, RFC 8446 section 6.1). */
  truncated = false;

  constructor(
    private readonly inner: Flow,
    readonly tls: TlsConnection,
  ) {}

  get local(): Endpoint {
    return this.inner.local;
  }

  get remote(): Endpoint {
    return this.inner.remote;
  }

  /** What the handshake settled: suite, ALPN protocol, server name, resumption. */
  get session(): HandshakeResult {
    return this.tls.result!;
  }

  /** Starts sending what the engine has queued, one TCP write at a time, unless already sending. */
  private send(): void {
    if (this.sending || this.writeFailure !== null) return;
    this.sending = true;
    void this.sendQueued();
  }

  private async sendQueued(): Promise<void> {
    try {
      for (let out = this.tls.takeOutput(); out !== null; out = this.tls.takeOutput()) {
        this.settle();
        await this.inner.write(out);
      }
    } catch (err) {
      this.writeFailure = err;
    }
    this.sending = false;
    this.settle();
  }

  private settle(): void {
    if (this.waiting.length > 0) this.waiting = this.waiting.filter((settled) => !settled());
  }

  /** Resolves once `done` holds, or rejects with the TCP flow's write failure. */
  private until(done: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const settled = (): boolean => {
        if (this.writeFailure !== null) reject(this.writeFailure);
        else if (done()) resolve();
        else return false;
        return true;
      };
      if (!settled()) this.waiting.push(settled);
    });
  }

  /** Sends whatever the engine has queued; resolves once the TCP flow took all of it. */
  private flush(): Promise<void> {
    this.send();
    return this.until(() => !this.sending && this.tls.unsentBytes === 0);
  }

  /** Drives the handshake to its end; rejects with `TlsError` when it fails. */
  async handshake(): Promise<void> {
    await this.flush();
    while (!this.tls.handshakeComplete) {
      if (this.tls.error) break;
      const data = await this.inner.read();
      if (data === null) throw new TlsError('closed', 'the peer closed the connection during the handshake', false);
      this.tls.receive(data);
      await this.flush().catch(() => undefined);
    }
    if (this.tls.error) {
      await this.flush().catch(() => undefined);
      throw this.tls.error;
    }
    this.queue.push(...this.tls.takeReceived());
  }

  async read(): Promise<Uint8Array | null> {
    if (this.readerBusy) throw new FlowError('closed', 'one read at a time');
    this.readerBusy = true;
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next) return next;
        if (this.tls.error) throw new FlowError('reset', `TLS: ${this.tls.error.message}`);
        if (this.tls.peerClosed) return null;
        const data = await this.inner.read();
        if (data === null) {
          this.truncated = true;
          return null;
        }
        // A Flow's reads are the reader's (lib/devices/flow.ts): the engine may keep them and decrypt in place.
        this.tls.receive(data);
        this.queue.push(...this.tls.takeReceived());
        // KeyUpdate answers, alerts: sent as they come.
        if (this.tls.unsentBytes > 0) this.send();
      }
    } finally {
      this.readerBusy = false;
    }
  }

  /** Resolves once `data` is sealed or waiting to be, with less than WRITE_AHEAD bytes not yet taken by the TCP flow. */
  write(data: Uint8Array): Promise<void> {
    try {
      this.tls.write(data);
    } catch (err) {
      return Promise.reject(new FlowError('closed', err instanceof Error ? err.message : String(err)));
    }
    this.send();
    // The common case, room at once: one shared settled promise, no closures per write.
    if (this.writeFailure === null && this.tls.unsentBytes < WRITE_AHEAD) return WRITTEN;
    return this.until(this.roomToWrite);
  }

  private readonly roomToWrite = (): boolean => this.tls.unsentBytes < WRITE_AHEAD;

  /** Moves to new traffic keys; with `requestPeer` the peer moves too (RFC 8446 section 4.6.3). */
  async updateKeys(requestPeer: boolean): Promise<void> {
    this.tls.updateKeys(requestPeer);
    await this.flush();
  }

  /** Sends close_notify, then shuts down the TCP write side. */
  async shutdown(): Promise<void> {
    this.tls.close();
    await this.flush().catch(() => undefined);
    await this.inner.shutdown();
  }

  async close(): Promise<void> {
    this.tls.close();
    await this.flush().catch(() => undefined);
    await this.inner.close();
  }

  abort(): void {
    this.inner.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (let chunk = await this.read(); chunk !== null; chunk = await this.read()) yield chunk;
  }
}

export interface TlsServerListenerOptions extends TlsServerOptions {
  /** Drives the handshake timeout. */
  clock: Clock;
  /** A handshake not done after this long is aborted (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Handshakes in progress at once; connections past it are reset at once (default 100). */
  maxHandshakes?: number;
  /** Finished handshakes waiting for `accept()`; past it new ones are reset (default 128). */
  backlog?: number;
}

interface Waiter {
  resolve(flow: Flow): void;
  reject(err: Error): void;
}

/** A listener of TLS flows over `listener`; handshakes run as connections arrive, up to a limit. */
export class TlsListener implements TcpListener {
  private readonly ready: Flow[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly context: TlsServerContext;
  private handshaking = 0;
  private closed = false;
  /** Counters for operators and tests. */
  readonly counters = { accepted: 0, handshakes: 0, resumed: 0, failed: 0, shed: 0, timedOut: 0 };
  /** The last handshake failure, for logs. */
  lastError: TlsError | null = null;

  constructor(
    private readonly inner: TcpListener,
    private readonly options: TlsServerListenerOptions,
  ) {
    this.context = new TlsServerContext(options);
    void this.acceptLoop();
  }

  get local(): Endpoint {
    return this.inner.local;
  }

  private async acceptLoop(): Promise<void> {
    for (;;) {
      let flow: Flow;
      try {
        flow = await this.inner.accept();
      } catch (err) {
        if (this.closed || (err instanceof StackError && err.code === 'closed')) return this.fail(new StackError('closed', 'the listener is closed'));
        continue;
      }
      this.counters.accepted++;
      if (this.handshaking >= (this.options.maxHandshakes ?? 100) || this.ready.length >= (this.options.backlog ?? 128)) {
        this.counters.shed++;
        flow.abort();
        continue;
      }
      void this.handshake(flow);
    }
  }

  private async handshake(inner: Flow): Promise<void> {
    this.handshaking++;
    const flow = new TlsFlow(inner, this.context.accept());
    let timer: Timer | null = this.options.clock.at(this.options.clock.nowMs() + (this.options.handshakeTimeoutMs ?? 10_000), () => {
      timer = null;
      this.counters.timedOut++;
      inner.abort();
    });
    try {
      await flow.handshake();
      this.counters.handshakes++;
      if (flow.session.resumed) this.counters.resumed++;
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(flow);
      else if (this.closed) flow.abort();
      else this.ready.push(flow);
    } catch (err) {
      this.counters.failed++;
      if (err instanceof TlsError) this.lastError = err;
      // Closed, not reset: a reset would throw away the alert just sent.
      closeQuietly(inner);
    } finally {
      this.handshaking--;
      timer?.cancel();
    }
  }

  private fail(err: Error): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  accept(): Promise<Flow> {
    const flow = this.ready.shift();
    if (flow) return Promise.resolve(flow);
    if (this.closed) return Promise.reject(new StackError('closed', 'the listener is closed'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const f of this.ready.splice(0)) f.abort();
    this.fail(new StackError('closed', 'the listener is closed'));
    await this.inner.close();
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
}

/** Serves TLS on `listener`: every flow it accepts has finished its handshake. */
export function tlsServer(listener: TcpListener, options: TlsServerListenerOptions): TlsListener {
  return new TlsListener(listener, options);
}

/** Closes a flow without waiting, resetting it if even that fails. */
function closeQuietly(flow: Flow): void {
  flow.close().catch(() => flow.abort());
}

/** Runs a client handshake over a connected flow; rejects with `TlsError` when it fails (the flow is closed). */
export async function tlsClient(flow: Flow, options: TlsClientOptions): Promise<TlsFlow> {
  const tls = new TlsFlow(flow, tlsClientConnection(options));
  try {
    await tls.handshake();
  } catch (err) {
    closeQuietly(flow);
    throw err;
  }
  return tls;
}

/** Connects over TCP to `address:port` and runs a client handshake. */
export async function tlsConnect(stack: Stack, address: string, port: number, options: TlsClientOptions, connect?: ConnectOptions): Promise<TlsFlow> {
  return tlsClient(await stack.connectTcp(address, port, connect), options);
}
