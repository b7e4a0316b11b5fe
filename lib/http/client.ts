/**
 * `httpRequest`: the HTTP/1.1 client, shaped like the Web's `fetch`. Each
 * call opens its own connection (by name through a resolver, or to an IPv4
 * address) and closes it once the response body was read or cancelled.
 */
import type { Clock } from '../devices/clock.ts';
import type { Stack } from '../devices/stack.ts';
import { connectByName, type HostResolver } from '../dns/connect.ts';
import { KilnBody, type BodyInit } from './body.ts';
import { exchange } from './client-exchange.ts';
import { KilnHeaders, type HeadersInit } from './headers.ts';
import type { KilnResponse } from './response.ts';
import { parseHttpUrl } from './url.ts';

export interface HttpRequestInit {
  /** Default `GET`. */
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
  /** Looks up host names; without one only IPv4 addresses work. */
  resolver?: HostResolver | null;
  /** Needed for `timeoutMs`. */
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
}

/**
 * Sends one request to an `http://` URL and resolves with the response once
 * its head arrived; read its body with `text()`, `bytes()`, `json()` or by
 * iterating `response.body`. Failures reject with `HttpError`, `DnsError`,
 * `FlowError` or `StackError`.
 */
export async function httpRequest(stack: Stack, url: string, init: HttpRequestInit = {}): Promise<KilnResponse> {
  const target = parseHttpUrl(url);
  if (init.timeoutMs !== undefined && init.clock === undefined) throw new RangeError('timeoutMs needs a clock');
  const headers = new KilnHeaders(init.headers);
  headers.set('connection', 'close');
  const body = init.body === undefined || init.body === null ? null : new KilnBody(init.body);
  const flow = await connectByName(
    stack,
    init.resolver ?? null,
    target.hostname,
    target.port,
    init.connectTimeoutMs === undefined ? undefined : { timeoutMs: init.connectTimeoutMs },
  );
  try {
    const { response, finished } = await exchange(
      flow,
      { method: init.method ?? 'GET', url: target, headers, body },
      {
        clock: init.clock ?? null,
        timeoutMs: init.timeoutMs ?? null,
        maxHeaderBytes: init.maxHeaderBytes ?? 64 * 1024,
        maxHeaderCount: init.maxHeaderCount ?? 200,
        maxBodyBytes: init.maxBodyBytes ?? Number.MAX_SAFE_INTEGER,
      },
    );
    void finished.then(() => flow.close().catch(() => undefined));
    return response;
  } catch (err) {
    flow.abort();
    throw err;
  }
}
