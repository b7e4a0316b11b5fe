/**
 * `serveHttp`: an HTTP/1.1 server on a TCP listener, with a handler in the
 * style of the Web's fetch: `(request) => response`.
 */
import { sleep, type Clock, type Timer } from '../devices/clock.ts';
import type { Flow } from '../devices/flow.ts';
import { StackError, type TcpListener } from '../devices/stack.ts';
import { DateHeader } from './date.ts';
import { ServerConnection, type Handler, type ServerSettings } from './server-connection.ts';
import type { KilnRequest } from './request.ts';

export type { Handler } from './server-connection.ts';

/** Pause after a failed accept before trying again. */
const ACCEPT_RETRY_MS = 100;

export interface ServeOptions {
  /** Drives every timeout. */
  clock: Clock;
  /** Largest request head, request line included (default 16 KiB; 414 or 431 past it). */
  maxHeaderBytes?: number;
  /** Most header fields (default 100; 431 past it). */
  maxHeaderCount?: number;
  /** Largest request body (default 8 MiB; 413 past it). */
  maxBodyBytes?: number;
  /** Time to receive a whole request head (default 10 s; 408). */
  headerTimeoutMs?: number;
  /** Time a kept-alive connection may wait for its next request (default 5 s). */
  idleTimeoutMs?: number;
  /** Longest silence inside a request body (default 30 s; 408). */
  bodyTimeoutMs?: number;
  /** Longest wait for a client to take one write of a response before the connection is reset (default 30 s). */
  sendTimeoutMs?: number;
  /** Told about handler errors, which are answered 500 (default: `logHandlerError`, on the console). */
  onError?: (err: unknown, request: KilnRequest) => void;
  /**
   * Connections served at once (default 1000). Past it the server stops
   * accepting until one closes; new clients wait in the listener's backlog.
   * This bounds memory, which an image has little of.
   */
  maxConnections?: number;
  /**
   * Says whether memory (or another resource) is short now. Asked as each
   * connection is accepted and after each response: while it holds, a new
   * connection is reset at once (cheaper than any answer, which would need
   * buffers of its own) and a kept-alive connection is closed after its
   * response, so its buffers are freed. Default: never. An image can check
   * its runtime's memory figures (examples/http does).
   */
  overloaded?: () => boolean;
}

export interface HttpServer {
  /** Connections open now. */
  readonly connections: number;
  /** Requests received since the start. */
  readonly requests: number;
  /** Connections reset at accept because the server was overloaded. */
  readonly shed: number;
  /** Resolves once the server stopped and every connection is closed. */
  readonly closed: Promise<void>;
  /**
   * Stops accepting, closes idle connections, lets requests in progress
   * finish (their responses say `Connection: close`), and aborts whatever
   * is still open after `graceMs` (default: wait as long as it takes).
   */
  shutdown(graceMs?: number): Promise<void>;
}

/**
 * The default `onError`: one console line naming the request, then the
 * error's stack (mapped to .ts lines where the platform maps stacks), so a
 * handler's exception is never a silent 500.
 */
export function logHandlerError(err: unknown, request: KilnRequest): void {
  let detail = String(err);
  if (err instanceof Error && typeof err.stack === 'string' && err.stack !== '') {
    // V8 starts the stack with `Name: message`; QuickJS gives only the frames.
    detail = err.stack.startsWith(`${err.name}`) ? err.stack : `${err.name}: ${err.message}\n${err.stack}`;
  }
  console.error(`http: ${request.method} ${request.target}: answered 500, the handler failed: ${detail.trimEnd()}`);
}

/** Serves `handler` on every connection the listener accepts, until `shutdown()`. */
export function serveHttp(listener: TcpListener, handler: Handler, options: ServeOptions): HttpServer {
  const settings: ServerSettings = {
    clock: options.clock,
    maxHeaderBytes: options.maxHeaderBytes ?? 16 * 1024,
    maxHeaderCount: options.maxHeaderCount ?? 100,
    maxBodyBytes: options.maxBodyBytes ?? 8 * 1024 * 1024,
    headerTimeoutMs: options.headerTimeoutMs ?? 10_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 5_000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
    sendTimeoutMs: options.sendTimeoutMs ?? 30_000,
    onError: options.onError ?? logHandlerError,
    overloaded: options.overloaded ?? (() => false),
    date: new DateHeader(options.clock),
  };
  const live = new Set<ServerConnection>();
  const running = new Set<Promise<void>>();
  const maxConnections = Math.max(1, options.maxConnections ?? 1000);
  let slotFreed: (() => void) | null = null;
  let requests = 0;
  let shed = 0;
  let stopping = false;

  /** Serves one accepted flow, or sheds it; never throws (a failure here must not end the accept loop). */
  const admit = (flow: Flow): void => {
    let connection: ServerConnection | null = null;
    try {
      if (settings.overloaded()) {
        shed++;
        flow.abort();
        return;
      }
      connection = new ServerConnection(flow, handler, settings, () => void requests++);
      if (stopping) connection.stop();
      live.add(connection);
      // run() handles its own failures; one that still escapes (out of memory) ends only this connection.
      const started = connection;
      const done = started.run().catch(() => flow.abort()).finally(() => {
        live.delete(started);
        running.delete(done);
        slotFreed?.();
        slotFreed = null;
      });
      running.add(done);
    } catch {
      // Out of memory setting the connection up: that connection fails (and frees its slot), the server goes on.
      if (connection) live.delete(connection);
      flow.abort();
    }
  };

  const acceptLoop = (async () => {
    for (;;) {
      try {
        while (live.size >= maxConnections) await new Promise<void>((resolve) => (slotFreed = resolve));
        admit(await listener.accept());
      } catch (err) {
        if (err instanceof StackError && err.code === 'closed') return;
        // A passing failure (out of descriptors or memory): wait a little and accept again, rather than stop serving.
        await sleep(options.clock, ACCEPT_RETRY_MS);
      }
    }
  })();

  const closed = (async () => {
    await acceptLoop.catch(() => undefined);
    while (running.size > 0) await Promise.all(running);
  })();

  return {
    get connections() {
      return live.size;
    },
    get requests() {
      return requests;
    },
    get shed() {
      return shed;
    },
    closed,
    async shutdown(graceMs?: number): Promise<void> {
      stopping = true;
      await listener.close();
      for (const c of live) c.stop();
      let timer: Timer | null = null;
      if (graceMs !== undefined) {
        timer = options.clock.at(options.clock.nowMs() + graceMs, () => {
          for (const c of live) c.abort();
        });
      }
      await closed;
      timer?.cancel();
    },
  };
}
