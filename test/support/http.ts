/**
 * Test support for the HTTP suites (not used by apps): a server on an
 * in-memory listener, and a raw client that sends exact bytes and collects
 * exact bytes, so tests see the wire as a peer would.
 */
import type { Flow } from '../../lib/devices/flow.ts';
import { FlowPairListener, type FlowPairOptions } from '../../lib/testing/flow-pair.ts';
import { VirtualClock } from '../../lib/testing/virtual-clock.ts';
import { decodeLatin1, encodeLatin1 } from '../../lib/text/latin1.ts';
import { serveHttp, type Handler, type HttpServer, type ServeOptions } from '../../lib/http/server.ts';

export interface TestServer {
  listener: FlowPairListener;
  server: HttpServer;
  clock: VirtualClock;
  errors: unknown[];
}

export function startTestServer(
  handler: Handler,
  options: Partial<ServeOptions> = {},
  pairOptions: FlowPairOptions = {},
): TestServer {
  const listener = new FlowPairListener(pairOptions);
  const clock = new VirtualClock({ startMs: 1000 });
  const errors: unknown[] = [];
  const server = serveHttp(listener, handler, { clock, onError: (err) => errors.push(err), ...options });
  return { listener, server, clock, errors };
}

export function latin1(text: string): Uint8Array {
  return encodeLatin1(text)!;
}

/** Reads everything until the server closes (bounded: fails past `limit` bytes). */
export async function readAll(flow: Flow, limit = 1 << 22): Promise<string> {
  let out = '';
  for (;;) {
    const chunk = await flow.read();
    if (chunk === null) return out;
    out += decodeLatin1(chunk);
    if (out.length > limit) throw new Error(`more than ${limit} bytes`);
  }
}

/** Sends `raw` on a new connection, ends the write side, and returns all the server wrote. */
export async function rawExchange(listener: FlowPairListener, raw: string | Uint8Array): Promise<string> {
  const flow = listener.connect();
  await flow.write(typeof raw === 'string' ? latin1(raw) : raw);
  await flow.shutdown();
  return readAll(flow);
}

/** Status codes of every response in a byte string, in order. */
export function statuses(wire: string): number[] {
  return [...wire.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

/** Waits until pending promise callbacks ran (bounded number of turns). */
export async function settle(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
