/**
 * A small HTTP/1.1 service: `hello` on `/`, JSON figures on `/stats`
 * (uptime, requests, connections shed, memory, the stack's counters), a
 * static asset under `/static/`, and `/echo`, which streams a POSTed body
 * back. Listens on `--port=N` (default 80) until its stack is closed. In an
 * image short of memory it sheds load: connections waiting longest for a
 * request head are evicted for new ones (new ones are reset if none waits),
 * and kept-alive ones closed after their response until memory is back.
 */
import { defineApp, parseArgs, stack, type Clock, type Stack } from '../../lib/index.ts';
import { KilnResponse, serveHttp, type HttpServer, type KilnRequest, type ServeOptions } from '../../lib/http/index.ts';
import { ASSETS } from './assets.ts';
import { memoryFigures, memoryPressure } from './memory.ts';

const ARGS = {
  port: { type: 'int', min: 0, max: 65535, default: 80, help: 'TCP port to serve on (0: any free port)' },
  'max-body-mib': { type: 'int', min: 1, max: 4096, default: 8, help: 'largest request body in MiB (/echo streams it back, never holding it whole)' },
} as const;

interface Context {
  clock: Clock;
  stack: Stack;
  startedMs: number;
  server: () => HttpServer;
}

function onlyMethods(request: KilnRequest, allowed: string[]): KilnResponse | null {
  if (allowed.includes(request.method)) return null;
  return new KilnResponse(`method ${request.method} not allowed here\n`, { status: 405, headers: { allow: allowed.join(', ') } });
}

function stats(ctx: Context): KilnResponse {
  const server = ctx.server();
  return KilnResponse.json(
    {
      uptimeSeconds: Math.round(ctx.clock.nowMs() - ctx.startedMs) / 1000,
      requests: server.requests,
      connections: server.connections,
      shedConnections: server.shed,
      evictedConnections: server.evicted,
      memory: memoryFigures(),
      stack: ctx.stack.counters(),
    },
    { headers: { 'cache-control': 'no-store' } },
  );
}

function staticAsset(request: KilnRequest): KilnResponse {
  const asset = ASSETS.get(request.pathname);
  if (!asset) return new KilnResponse('not found\n', { status: 404 });
  const headers = { 'content-type': asset.type, etag: asset.etag, 'cache-control': 'public, max-age=3600' };
  const conditional = request.headers.get('if-none-match');
  if (conditional !== null && conditional.split(',').some((tag) => tag.trim() === asset.etag || tag.trim() === '*')) {
    return new KilnResponse(null, { status: 304, headers });
  }
  return new KilnResponse(asset.bytes, { headers });
}

function route(ctx: Context, request: KilnRequest): KilnResponse {
  const path = request.pathname;
  if (path === '/') return onlyMethods(request, ['GET', 'HEAD']) ?? new KilnResponse('hello');
  if (path === '/stats') return onlyMethods(request, ['GET', 'HEAD']) ?? stats(ctx);
  if (path.startsWith('/static/')) return onlyMethods(request, ['GET', 'HEAD']) ?? staticAsset(request);
  if (path === '/echo') {
    const refused = onlyMethods(request, ['POST', 'PUT']);
    if (refused) return refused;
    const type = request.headers.get('content-type') ?? 'application/octet-stream';
    return new KilnResponse(request.body ?? new Uint8Array(0), { headers: { 'content-type': type } });
  }
  return new KilnResponse('not found\n', { status: 404 });
}

export default defineApp({
  name: 'http',
  devices: { net: stack() },
  async start({ devices, args, clock, console }) {
    const parsed = parseArgs(args, ARGS);
    const listener = await devices.net.listenTcp(parsed.port);
    const ctx: Context = { clock, stack: devices.net, startedMs: clock.nowMs(), server: () => server };
    const options: ServeOptions = {
      clock,
      maxBodyBytes: parsed['max-body-mib'] * 1024 * 1024,
      // The connection limit and eviction come from the stack's memory budget (the listener's); the heap is watched too.
      overloaded: memoryPressure(clock),
      onError: (err, request) =>
        console.error(`http: ${request.method} ${request.target}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    };
    const server = serveHttp(listener, (request) => route(ctx, request), options);
    console.info(`http: listening on ${listener.local.address}:${listener.local.port}`);
    await server.closed;
    console.info(`http: stopped after ${server.requests} requests`);
  },
});
