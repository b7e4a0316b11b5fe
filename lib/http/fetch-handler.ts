/**
 * Standard handlers for lib/http's server: `(request: Request) => Response`
 * with lib/web's Request and Response (the Workers/Deno/Bun shape). The
 * adapter converts at the edge, and neither body is read whole: the request
 * body reaches the handler as a ReadableStream over the connection, and a
 * streamed Response body is written chunk by chunk (chunked), while bytes
 * known up front go with a Content-Length.
 */
import { Body } from '../web/body.ts';
import { ReadableStream } from '../web/readable-stream.ts';
import { Request } from '../web/request.ts';
import { Response } from '../web/response.ts';
import { serveHttp, type Handler, type HttpServer, type ServeOptions } from './server.ts';
import type { TcpListener } from '../devices/stack.ts';
import type { KilnRequest } from './request.ts';
import { KilnResponse } from './response.ts';

/**
 * What the adapter needs of a Response: lib/web's, or the host's own (on the
 * unix target app code that says `new Response` gets Node's).
 */
export interface StandardResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Iterable<[string, string]>;
  readonly body: AsyncIterable<Uint8Array> | null;
}

export type FetchHandler = (request: Request) => StandardResponse | Promise<StandardResponse>;

/** The standard Request for a request lib/http parsed; null when the standard refuses it (a forbidden method, a bad Host). */
export function toStandardRequest(kiln: KilnRequest): Request | null {
  const headers: [string, string][] = [...kiln.headers];
  const bodyless = kiln.method === 'GET' || kiln.method === 'HEAD';
  try {
    return new Request(kiln.url, {
      method: kiln.method,
      headers,
      body: kiln.body === null || bodyless ? null : ReadableStream.from(kiln.body),
    });
  } catch {
    return null;
  }
}

/** The KilnResponse lib/http writes for a standard Response. */
export async function toKilnResponse(response: StandardResponse): Promise<KilnResponse> {
  // Response.error() (status 0) is a network error: the client gets a 500.
  if (response.status === 0) return new KilnResponse(null, { status: 500 });
  const headers: [string, string][] = [...response.headers];
  // Asked before `body`, which turns bytes into a stream.
  const known = response instanceof Response ? Body.knownLength(response) : null;
  const body = known === 0 ? null : known !== null ? await (response as Response).bytes() : response.body;
  return new KilnResponse(body, { status: response.status, ...(response.statusText ? { statusText: response.statusText } : {}), headers });
}

/** lib/http's Handler for a standard one. */
export function fromFetchHandler(handler: FetchHandler): Handler {
  return async (kiln) => {
    const request = toStandardRequest(kiln);
    if (request === null) return new KilnResponse('the request cannot be given to a standard handler\n', { status: 400 });
    return toKilnResponse(await handler(request));
  };
}

/** serveHttp with a standard handler. */
export function serveFetch(listener: TcpListener, handler: FetchHandler, options: ServeOptions): HttpServer {
  return serveHttp(listener, fromFetchHandler(handler), options);
}
