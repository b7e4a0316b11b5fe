// lib/http serving standard handlers (Request => Response) and lib/web's
// fetch over HttpClient, against each other in memory (flow pairs): methods,
// headers, JSON, bodies streamed both ways without being read whole,
// redirects, errors, abort.
import { afterEach, describe, expect, it } from 'vitest';

import { settle, startTestServer, type TestServer } from '../../test/support/http.ts';
import { AbortController, AbortSignal } from '../web/abort.ts';
import { createFetch, type Fetch } from '../web/fetch.ts';
import { ReadableStream, type ReadableStreamDefaultController } from '../web/readable-stream.ts';
import { Request } from '../web/request.ts';
import { Response } from '../web/response.ts';
import { URL } from '../web/url.ts';
import { HttpClient } from './client.ts';
import { fromFetchHandler, type FetchHandler } from './fetch-handler.ts';
import type { KilnRequest } from './request.ts';

const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

let test: TestServer | null = null;
let client: HttpClient | null = null;
afterEach(async () => {
  await client?.close();
  await test?.server.shutdown();
  test = client = null;
});

function serve(handler: FetchHandler): Fetch {
  test = startTestServer(fromFetchHandler(handler));
  const listener = test.listener;
  client = new HttpClient(null, { connector: async () => listener.connect() });
  return createFetch(client);
}

describe('standard handlers served by lib/http, called with fetch', () => {
  it('serves a (request: Request) => Response handler as it is: its request is a lib/web Request, streamed, with the server\'s extras', async () => {
    const seen: string[] = [];
    const handler = async (request: Request): Promise<Response> => {
      const kiln = request as KilnRequest;
      seen.push(`${request instanceof Request} ${kiln.pathname} ${kiln.version} ${request.body instanceof ReadableStream}`);
      // The request body streamed straight back: a stream in, a stream out (chunked), neither read whole here.
      return new Response(request.body, { headers: { 'content-type': request.headers.get('content-type') ?? 'application/octet-stream' } });
    };
    test = startTestServer(handler);
    const listener = test.listener;
    client = new HttpClient(null, { connector: async () => listener.connect() });
    const response = await client.request('http://svc.test/echo?x=1', { method: 'POST', body: 'streamed', headers: { 'content-type': 'text/x-test' } });
    expect(response).toBeInstanceOf(Response);
    expect([response.status, response.headers.get('transfer-encoding'), response.headers.get('content-type'), await response.text()]).toEqual([
      200,
      'chunked',
      'text/x-test',
      'streamed',
    ]);
    expect(seen).toEqual(['true /echo 1.1 true']);
  });


  it('gives the handler a standard Request and writes its Response', async () => {
    const fetch = serve(async (request) => {
      const url = new URL(request.url);
      return Response.json(
        { method: request.method, path: url.pathname, q: url.searchParams.get('q'), agent: request.headers.get('x-agent'), body: await request.text() },
        { status: 201, headers: { 'x-served': 'yes' } },
      );
    });
    const response = await fetch('http://svc.test/items?q=1#fragment', { method: 'POST', body: 'hi', headers: { 'x-agent': 'test' } });
    expect([response.status, response.ok, response.headers.get('x-served'), response.headers.get('content-type'), response.url]).toEqual([
      201,
      true,
      'yes',
      'application/json',
      'http://svc.test/items?q=1',
    ]);
    expect(await response.json()).toEqual({ method: 'POST', path: '/items', q: '1', agent: 'test', body: 'hi' });
    expect(() => response.headers.set('a', 'b')).toThrow(TypeError);
  });

  it('streams a response body: the client reads the first chunk before the handler writes the second', async () => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const fetch = serve(() => new Response(new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) })));
    const pending = fetch('http://svc.test/stream');
    await settle();
    controller.enqueue(encode('first'));
    const response = await pending;
    const reader = response.body!.getReader();
    expect(decode((await reader.read()).value!)).toBe('first');
    controller.enqueue(encode('second'));
    controller.close();
    expect(decode((await reader.read()).value!)).toBe('second');
    expect((await reader.read()).done).toBe(true);
  });

  it('streams a request body: the handler reads the first chunk before the client sends the second', async () => {
    let first = '';
    let sendSecond!: () => void;
    const gate = new Promise<void>((resolve) => (sendSecond = resolve));
    const fetch = serve(async (request) => {
      const reader = request.body!.getReader();
      first = decode((await reader.read()).value!);
      sendSecond();
      let rest = '';
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest += decode(r.value);
      return new Response(`${first}|${rest}`);
    });
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(encode('one'));
        await gate;
        c.enqueue(encode('two'));
        c.close();
      },
    });
    const response = await fetch('http://svc.test/upload', { method: 'PUT', body, duplex: 'half' });
    expect(await response.text()).toBe('one|two');
  });

  it('follows redirects (303 becomes GET), or returns them (manual), or refuses them (error)', async () => {
    const fetch = serve(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/old') return new Response(null, { status: 303, headers: { location: '/new' } });
      if (path === '/loop') return new Response(null, { status: 302, headers: { location: '/loop' } });
      return new Response(`${request.method} ${path} ${await request.text()}`);
    });
    const followed = await fetch('http://svc.test/old', { method: 'POST', body: 'x' });
    expect([await followed.text(), followed.redirected, followed.url]).toEqual(['GET /new ', true, 'http://svc.test/new']);
    const manual = await fetch('http://svc.test/old', { redirect: 'manual' });
    expect([manual.status, manual.headers.get('location')]).toEqual([303, '/new']);
    await expect(fetch('http://svc.test/old', { redirect: 'error' })).rejects.toThrow(TypeError);
    await expect(fetch('http://svc.test/loop')).rejects.toThrow(/too many redirects/);
  });

  it('answers 500 for Response.error() and for a handler that throws; fetch rejects with TypeError on a network failure', async () => {
    const fetch = serve((request) => {
      if (request.url.endsWith('/throw')) throw new Error('handler failed');
      return Response.error();
    });
    expect((await fetch('http://svc.test/error')).status).toBe(500);
    expect((await fetch('http://svc.test/throw')).status).toBe(500);
    const unreachable = createFetch(new HttpClient(null, { connector: () => Promise.reject(new Error('refused')) }));
    await expect(unreachable('http://nowhere.test/')).rejects.toThrow(TypeError);
  });

  it('rejects with the signal reason when aborted', async () => {
    let release!: () => void;
    const fetch = serve(() => new Promise<Response>((resolve) => (release = () => resolve(new Response('late')))));
    const controller = new AbortController();
    const pending = fetch(new Request('http://svc.test/slow', { signal: controller.signal }));
    await settle();
    controller.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
    release();
    await expect(fetch('http://svc.test/', { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});

