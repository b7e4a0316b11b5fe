/**
 * Standard handlers from anywhere: lib/http's server takes
 * `(request: Request) => Response` handlers with lib/web's types as they are
 * (its requests are lib/web Requests, its responses lib/web Responses).
 * `serveFetch` also takes handlers whose Response is another implementation
 * (on the unix target app code that says `new Response` gets Node's), and
 * answers `Response.error()` with a 500. Neither body is read whole: a
 * foreign Response's body is written as its stream gives it.
 */
import { Response } from '../web/response.ts';
import { serveHttp, type Handler, type HttpServer, type ServeOptions } from './server.ts';
import type { TcpListener } from '../devices/stack.ts';
import type { KilnRequest } from './request.ts';

/** What the adapter needs of a Response: lib/web's, or another implementation's. */
export interface StandardResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Iterable<[string, string]>;
  readonly body: AsyncIterable<Uint8Array> | null;
}

export type FetchHandler = (request: KilnRequest) => StandardResponse | Promise<StandardResponse>;

/** The lib/web Response lib/http writes for any standard Response. */
export async function toKilnResponse(response: StandardResponse): Promise<Response> {
  // Response.error() (status 0) is a network error: the client gets a 500.
  if (response.status === 0) return new Response(null, { status: 500 });
  if (response instanceof Response) return response;
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: [...response.headers] });
}

/** lib/http's Handler for a standard one. */
export function fromFetchHandler(handler: FetchHandler): Handler {
  return async (request) => toKilnResponse(await handler(request));
}

/** serveHttp with a standard handler. */
export function serveFetch(listener: TcpListener, handler: FetchHandler, options: ServeOptions): HttpServer {
  return serveHttp(listener, fromFetchHandler(handler), options);
}
