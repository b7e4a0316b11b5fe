/**
 * `serveHttp`: an HTTP/1.1 server on a TCP listener, with a handler in the
 * style of the Web's fetch: `(request) => response`.
 */
import { sleep, type Clock, type Timer } from '../devices/clock.ts';
import type { Flow } from '../devices/flow.ts';
import type { MemoryBudget } from '../devices/memory-budget.ts';
import { StackError, type TcpListener } from '../devices/stack.ts';
import { DateHeader } from './date.ts';
import { ServerConnection, type Handler, type ServerSettings } from './server-connection.ts';
import type { KilnRequest } from './request.ts';

export type { Handler } from './server-connection.ts';

/** Pause after a failed accept before trying again. */
const ACCEPT_RETRY_MS = 100;
/** Memory is short while less than this share of the budget is left (TCP lets TIME-WAIT connections go then too; below an eighth it answers SYNs with cookies only). */
const SHORT_SHARE = 1 / 4;
/**
 * A connection becomes evictable to bring memory down, or at the connection
 * limit, once it has waited this long for a head: one whose request is on
 * its way (a round trip after the handshake) is spared. To let a new
 * connection in while memory is short, or when the stack was refused memory,
 * the oldest goes whatever its age: under a slow attack, an attacker.
 */
const EVICTABLE_AFTER_MS = 250;
/**
 * What one connection's state in the server holds (its objects, timers,
 * promises, and async frames once a request is in), counted in the memory
 * budget while it is served: measured in an image's QuickJS, ~6.2 KiB a
 * connection waiting for its first head (TCP's share not included), which
 * is what most connections are under a slow attack; one with a request in
 * progress holds a few KiB more for as long as the request takes.
 */
const SERVER_CONNECTION_BYTES = 7 * 1024;
/** What a connection in service holds at least (TCP's state, about 4 KiB, and a small ring each way, and ours), for the default connection limit. */
const CONNECTION_BYTES = SERVER_CONNECTION_BYTES + 4 * 1024 + 2 * 2048;

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
   * Connections served at once (default: 1000, or fewer if the memory budget
   * cannot hold that many connections in service). Past it a new connection
   * takes the place of one waiting for a request head (evicted: one yet to
   * complete a request before a kept-alive one, then the longest waiting);
   * when every connection has a request in progress, the server stops
   * accepting until one closes and new clients wait in the listener's
   * backlog.
   */
  maxConnections?: number;
  /**
   * The memory budget to count connections' buffered heads in and to watch
   * (default: the listener's, `TcpListener.memory`, when it has one). While
   * less than a quarter of it is left, new connections evict a connection
   * waiting for a request head (in the same order), or are reset if none
   * waits; and whenever the stack is refused memory, that connection is
   * evicted too. Requests in progress are never touched.
   */
  memory?: MemoryBudget;
  /**
   * Says whether memory (or another resource) is short now. Asked as each
   * connection is accepted and after each response: while it holds, a new
   * connection takes the place of one waiting for a head (as above) or is
   * reset at once (cheaper than any answer, which would need buffers of its
   * own), and a kept-alive connection is closed after its response, so its
   * buffers are freed. Default: never. An image can check its runtime's
   * memory figures (examples/http does).
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
  /** Connections given up, oldest first, while they waited for a request head, to make room. */
  readonly evicted: number;
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
  // Every platform's stack starts with `Name: message`, as V8's does.
  const detail = err instanceof Error && typeof err.stack === 'string' && err.stack !== '' ? err.stack : String(err);
  console.error(`http: ${request.method} ${request.target}: answered 500, the handler failed: ${detail.trimEnd()}`);
}

/** Serves `handler` on every connection the listener accepts, until `shutdown()`. */
export function serveHttp(listener: TcpListener, handler: Handler, options: ServeOptions): HttpServer {
  const memory = options.memory ?? listener.memory ?? null;
  const memoryShort = (): boolean => memory !== null && memory.used > memory.limit * (1 - SHORT_SHARE);
  const overloaded = options.overloaded ?? (() => false);
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
    // Not memoryShort(): closing kept-alive connections would leave TIME-WAITs behind; idle heads are evicted instead.
    overloaded,
    memory,
    date: new DateHeader(options.clock),
  };
  const live = new Set<ServerConnection>();
  /** Connections whose serve() has not ended yet (evicted ones included), and who waits for the last to end. */
  let serving = 0;
  let allEnded: (() => void) | null = null;
  const memoryCap = memory === null ? Infinity : Math.floor(memory.limit / CONNECTION_BYTES);
  const maxConnections = Math.max(1, options.maxConnections ?? Math.min(1000, memoryCap));
  let slotFreed: (() => void) | null = null;
  let requests = 0;
  let shed = 0;
  let evicted = 0;
  let stopping = false;

  /** Connections whose state is counted in the budget now. */
  const charged = new Set<ServerConnection>();
  const discharge = (c: ServerConnection): void => {
    if (charged.delete(c)) memory?.give(SERVER_CONNECTION_BYTES);
  };

  /** Whether `a` goes before `b`: connections yet to complete a request first (an attacker never does), then the longest waiting. */
  const evictsBefore = (a: ServerConnection, b: ServerConnection): boolean =>
    (a.served === 0) !== (b.served === 0) ? a.served === 0 : a.waitingSinceMs < b.waitingSinceMs;

  /** Evicts the first connection waiting for a request head (for at least `minWaitMs`) in eviction order; false when none. */
  const evictOldest = (minWaitMs: number): boolean => {
    const now = options.clock.nowMs();
    let oldest: ServerConnection | null = null;
    for (const c of live) if (c.waitingForHead && now - c.waitingSinceMs >= minWaitMs && (oldest === null || evictsBefore(c, oldest))) oldest = c;
    if (oldest === null) return false;
    live.delete(oldest); // its slot is free now; its run() ends on its own
    evicted++;
    oldest.evict();
    discharge(oldest); // its state goes with it (the reset released its TCP side already)
    return true;
  };

  /** Evicts, oldest first, until memory is no longer short or none has waited EVICTABLE_AFTER_MS. */
  const relieve = (): void => {
    while (memoryShort() && evictOldest(EVICTABLE_AFTER_MS));
  };

  // The stack was refused memory: make room, after the segment in hand is done with (it was dropped unacknowledged; its peer resends).
  let reclaiming = false;
  const removeReclaimer = memory?.addReclaimer(() => {
    if (reclaiming) return;
    reclaiming = true;
    void Promise.resolve().then(() => {
      reclaiming = false;
      if (!memoryShort()) evictOldest(0);
      relieve();
    });
  });

  const countRequest = (): void => void requests++;

  /** Serves one accepted flow, or sheds it; never throws (a failure here must not end the accept loop). */
  const admit = (flow: Flow): void => {
    let connection: ServerConnection | null = null;
    try {
      if ((memoryShort() || overloaded()) && !evictOldest(0)) {
        shed++;
        flow.abort();
        return;
      }
      connection = new ServerConnection(flow, handler, settings, countRequest);
      if (stopping) connection.stop();
      live.add(connection);
      const started = connection;
      memory?.take(SERVER_CONNECTION_BYTES); // given back when serve() has ended, or on eviction
      charged.add(started);
      // A callback, not a promise chain: whatever is made here lives as long as the connection.
      started.serve(() => {
        discharge(started);
        live.delete(started);
        if (--serving === 0) allEnded?.();
        slotFreed?.();
        slotFreed = null;
      });
      serving++; // after serve(): it never calls back during the call, and a throw must not count the connection
      // Short of memory: connections waiting longest for a head make room, before anything else has to be refused.
      relieve();
    } catch {
      // Out of memory setting the connection up: that connection fails (and frees its slot and memory), the server goes on.
      if (connection) {
        live.delete(connection);
        discharge(connection);
      }
      flow.abort();
    }
  };

  /** Resolves when a slot is freed or EVICTABLE_AFTER_MS has passed, whichever comes first. */
  const slotOrEvictable = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = options.clock.at(options.clock.nowMs() + EVICTABLE_AFTER_MS, resolve);
      slotFreed = () => {
        timer.cancel();
        resolve();
      };
    });

  const acceptLoop = (async () => {
    for (;;) {
      try {
        const flow = await listener.accept();
        // Full: the new connection takes the place of the one waiting longest for a head, else waits for a slot, or
        // until a head has waited long enough to be evicted (meanwhile new clients wait in the listener's queue).
        while (live.size >= maxConnections && !evictOldest(EVICTABLE_AFTER_MS)) await slotOrEvictable();
        admit(flow);
      } catch (err) {
        if (err instanceof StackError && err.code === 'closed') return;
        // A passing failure (out of descriptors or memory): wait a little and accept again, rather than stop serving.
        await sleep(options.clock, ACCEPT_RETRY_MS);
      }
    }
  })();

  const closed = (async () => {
    await acceptLoop.catch(() => undefined);
    if (serving > 0) await new Promise<void>((resolve) => (allEnded = resolve));
    removeReclaimer?.();
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
    get evicted() {
      return evicted;
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
