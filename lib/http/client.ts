/**
 * The HTTP/1.1 client, shaped like the Web's `fetch`: `HttpClient` keeps
 * connections alive and reuses them per origin; `httpRequest` is the one-shot
 * form (one connection, closed after the response). Host names are looked up
 * through a resolver; IPv4 addresses need none.
 */
import type { Clock, Timer } from '../devices/clock.ts';
import { FlowError, type Flow } from '../devices/flow.ts';
import type { Stack } from '../devices/stack.ts';
import { connectByName, type HostResolver } from '../dns/connect.ts';
import { Body, type BodyInit } from '../web/body.ts';
import { exchange, type ExchangeLimits } from './client-exchange.ts';
import { HttpError } from './errors.ts';
import { KilnHeaders, type HeadersInit } from './headers.ts';
import type { KilnResponse } from './response.ts';
import { isToken } from './syntax.ts';
import { parseHttpUrl } from './url.ts';

export interface HttpRequestOptions {
  /** Default `GET`. */
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
}

export interface HttpClientOptions {
  /** Looks up host names; without one only IPv4 addresses work. */
  resolver?: HostResolver | null;
  /** Needed for `timeoutMs` and `idleTimeoutMs`. */
  clock?: Clock;
  /** Time to the whole response head, and longest silence within the body (default: none). */
  timeoutMs?: number;
  /** Give up connecting after this long (default: the stack's). */
  connectTimeoutMs?: number;
  /** Largest response head (default 64 KiB). */
  maxHeaderBytes?: number;
  /** Most response header fields (default 200). */
  maxHeaderCount?: number;
  /** Largest response body (default: no limit). */
  maxBodyBytes?: number;
  /** Keep connections for later requests to the same origin (default true). */
  keepAlive?: boolean;
  /** Idle connections kept per origin (default 4). */
  maxIdlePerOrigin?: number;
  /** Close an idle connection after this long (default 4 s, under common servers' 5 s; needs `clock`). */
  idleTimeoutMs?: number;
  /** Opens connections (default: connect by name over the stack). */
  connector?: (host: string, port: number) => Promise<Flow>;
  /**
   * For `https://` URLs: runs TLS over a connected flow to `host` and gives
   * the secured flow (lib/tls's `httpsConnector`). When it fails it has
   * released the flow itself (a TLS client closes it after its alert).
   * Without it `https://` URLs fail with `invalid-url`.
   */
  secure?: (flow: Flow, host: string) => Promise<Flow>;
}

interface IdleFlow {
  flow: Flow;
  timer: Timer | null;
}

/** Methods safe to send again when a kept-alive connection turns out to be closed (RFC 9110 section 9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export class HttpClient {
  private readonly idle = new Map<string, IdleFlow[]>();
  private readonly limits: ExchangeLimits;
  private readonly connect: (host: string, port: number) => Promise<Flow>;
  private closed = false;

  constructor(
    stack: Stack | null,
    private readonly options: HttpClientOptions = {},
  ) {
    if (options.timeoutMs !== undefined && options.clock === undefined) throw new RangeError('timeoutMs needs a clock');
    this.limits = {
      clock: options.clock ?? null,
      timeoutMs: options.timeoutMs ?? null,
      maxHeaderBytes: options.maxHeaderBytes ?? 64 * 1024,
      maxHeaderCount: options.maxHeaderCount ?? 200,
      maxBodyBytes: options.maxBodyBytes ?? Number.MAX_SAFE_INTEGER,
    };
    const connectOptions = options.connectTimeoutMs === undefined ? undefined : { timeoutMs: options.connectTimeoutMs };
    if (options.connector) this.connect = options.connector;
    else if (stack) this.connect = (host, port) => connectByName(stack, options.resolver ?? null, host, port, connectOptions);
    else throw new RangeError('HttpClient needs a stack or a connector');
  }

  /**
   * Sends one request to an `http://` or `https://` URL and resolves with the response
   * once its head arrived; read its body (`text()`, `bytes()`, `json()`, or
   * iterate `response.body`) to let the connection serve another request.
   * Failures reject with `HttpError`, `DnsError`, `FlowError`, `StackError`, or `TlsError` from `secure`.
   */
  async request(url: string, init: HttpRequestOptions = {}): Promise<KilnResponse> {
    if (this.closed) throw new HttpError('invalid-url', 'the client is closed');
    const target = parseHttpUrl(url);
    if (!isToken(init.method ?? 'GET')) throw new HttpError('invalid-header', `invalid method ${JSON.stringify(init.method)}`);
    if (target.scheme === 'https' && !this.options.secure) throw new HttpError('invalid-url', 'https: URLs need the client option `secure` (lib/tls httpsConnector)');
    const origin = `${target.scheme}://${target.hostname}:${target.port}`;
    const method = init.method ?? 'GET';
    const keepAlive = this.options.keepAlive ?? true;
    const headers = new KilnHeaders(init.headers);
    if (!keepAlive) headers.set('connection', 'close');
    const bodyInit = init.body ?? null;
    let body = bodyInit === null ? null : Body.of(bodyInit);
    // A request can be sent again on a fresh connection only if nothing of it is lost: no stream body.
    const replayable = IDEMPOTENT.has(method) && (body === null || Body.knownLength(body) !== null);

    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && bodyInit !== null) body = Body.of(bodyInit);
      const reused = keepAlive ? this.takeIdle(origin) : null;
      const flow = reused ?? (await this.open(target.scheme, target.hostname, target.port));
      try {
        const { response, finished } = await exchange(flow, { method, url: target, headers: new KilnHeaders(headers), body }, this.limits);
        void finished.then((reusable) => (reusable && keepAlive ? this.putIdle(origin, flow) : flow.close().catch(() => undefined)));
        return response;
      } catch (err) {
        flow.abort();
        // The server closed a kept-alive connection just before we used it: try once more on a new one.
        const stale = (err instanceof HttpError && err.code === 'incomplete') || (err instanceof FlowError && err.code === 'reset');
        if (reused && replayable && stale) continue;
        throw err;
      }
    }
  }

  private async open(scheme: 'http' | 'https', host: string, port: number): Promise<Flow> {
    const flow = await this.connect(host, port);
    if (scheme === 'http') return flow;
    return this.options.secure!(flow, host);
  }

  /** Closes every idle connection; requests in progress finish. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    for (const entry of all) entry.timer?.cancel();
    await Promise.all(all.map((entry) => entry.flow.close().catch(() => undefined)));
  }

  /** Idle connections now, over all origins. */
  get idleConnections(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  private takeIdle(origin: string): Flow | null {
    const list = this.idle.get(origin);
    const entry = list?.pop();
    if (!entry) return null;
    if (list!.length === 0) this.idle.delete(origin);
    entry.timer?.cancel();
    return entry.flow;
  }

  private putIdle(origin: string, flow: Flow): void {
    const list = this.idle.get(origin) ?? [];
    if (this.closed || list.length >= (this.options.maxIdlePerOrigin ?? 4)) {
      void flow.close().catch(() => undefined);
      return;
    }
    const clock = this.options.clock;
    const entry: IdleFlow = { flow, timer: null };
    if (clock) {
      entry.timer = clock.at(clock.nowMs() + (this.options.idleTimeoutMs ?? 4000), () => {
        const current = this.idle.get(origin);
        const at = current?.indexOf(entry) ?? -1;
        if (at >= 0) current!.splice(at, 1);
        if (current?.length === 0) this.idle.delete(origin);
        void flow.close().catch(() => undefined);
      });
    }
    list.push(entry);
    this.idle.set(origin, list);
  }
}

/** One request on its own connection, closed once the response was read: `fetch` without a pool. */
export async function httpRequest(stack: Stack, url: string, init: HttpRequestOptions & HttpClientOptions = {}): Promise<KilnResponse> {
  return await new HttpClient(stack, { ...init, keepAlive: false }).request(url, init);
}
