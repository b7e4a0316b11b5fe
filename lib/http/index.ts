/**
 * HTTP/1.1 for Kiln apps, over the Flow signature, speaking the fetch API's
 * types: handlers are `(request: Request) => Response`, the request a
 * `KilnRequest` (lib/web's Request with the target, version and client
 * address), `KilnResponse` lib/web's Response; bodies stream both ways.
 *
 * Serving (keep-alive, in-order pipelining, chunked both ways, 100-continue,
 * HEAD, limits answered 413/414/431, timeouts, graceful shutdown, strict
 * RFC 9112 parsing, an immediate 400 for bytes that cannot start a request,
 * load shedding with `maxConnections`, the stack's memory budget (idle heads
 * evicted oldest-first to make room) and `overloaded`):
 *
 *     const listener = await stack.listenTcp(80);
 *     const server = serveHttp(listener, async (request) => {
 *       if (request.pathname === '/echo') return new KilnResponse(request.body);
 *       return KilnResponse.json({ hello: request.headers.get('user-agent') });
 *     }, { clock });
 *     ...
 *     await server.shutdown(5_000);
 *
 * Routing by method and path (404, and 405 with `Allow`, when nothing fits):
 *
 *     const router = new Router().get('/notes/:id', (request, { id }) => ...);
 *     serveHttp(listener, router.handler, { clock });
 *
 * Fetching (by name through a `DnsResolver`, or to an IPv4 address; the
 * resolver asks `--resolver=IP` if given, else the DHCP lease's DNS servers,
 * the host's on unix):
 *
 *     const resolver = new DnsResolver(stack, { args, clock, random });
 *     const client = new HttpClient(stack, { resolver, clock, timeoutMs: 10_000 });
 *     const response = await client.request('http://example.test/data', { method: 'POST', body: 'hi' });
 *     const text = await response.text();
 *
 * `httpRequest(stack, url, init)` is the one-shot form (no connection kept).
 * HTTPS: serve over `tlsServer(listener, …)` and fetch `https://` URLs with
 * `secure: httpsConnector(…)` (both from lib/tls).
 */
export { logHandlerError, serveHttp, type Handler, type HttpServer, type ServeOptions } from './server.ts';
export { Router, RoutePatternError, type RouteHandler, type RouteParams } from './router.ts';
export { HttpClient, httpRequest, type HttpClientOptions, type HttpRequestOptions } from './client.ts';
export { KilnRequest } from './request.ts';
export { KilnResponse, type ResponseInit } from './response.ts';
export { KilnHeaders, type HeadersInit } from './headers.ts';
export { type BodyInit } from '../web/body.ts';
export { HttpError, type HttpErrorCode } from './errors.ts';
export { parseHttpUrl, type HttpUrl } from './url.ts';
export { serveFetch, fromFetchHandler, type FetchHandler } from './fetch-handler.ts';
export { createFetch, type Fetch } from '../web/fetch.ts';
