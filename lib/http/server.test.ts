import { describe, expect, it } from 'vitest';
import { KilnResponse } from './response.ts';
import { serveHttp } from './server.ts';
import { StackError } from '../devices/stack.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';
import { FlowPairListener } from '../testing/flow-pair.ts';
import { latin1, rawExchange, readAll, settle, startTestServer, statuses } from '../../test/support/http.ts';
import { decodeLatin1 } from '../text/latin1.ts';
import { ByteBudget } from '../net/tcp/byte-budget.ts';

const GET = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`;

describe('serveHttp: messages', () => {
  it('answers with Content-Length, Date and the handler headers', async () => {
    const { listener, server } = startTestServer(
      (req) => new KilnResponse(`path=${req.pathname} search=${req.search} url=${req.url}`, { headers: { 'X-Kind': 'test' } }),
    );
    const wire = await rawExchange(listener, GET('/a/b?c=1', 'Connection: close\r\n'));
    const [head, body] = wire.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toMatch(/\r\nContent-Type: text\/plain;charset=UTF-8\r\n/);
    expect(head).toMatch(/\r\nX-Kind: test\r\n/);
    expect(head).toMatch(/\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT/);
    expect(body).toBe('path=/a/b search=?c=1 url=http://test/a/b?c=1');
    expect(head).toContain(`Content-Length: ${body!.length}`);
    await server.shutdown();
  });

  it('writes the same head for a response whose Headers object was never made as for one whose was', async () => {
    const bodies: Record<string, () => KilnResponse> = {
      '/text': () => new KilnResponse('hello'),
      '/bytes': () => new KilnResponse(new Uint8Array([0x61, 0x62])),
      '/empty': () => new KilnResponse(null, { status: 404 }),
    };
    const sent: KilnResponse[] = [];
    const { listener, server } = startTestServer((req) => {
      const response = bodies[req.pathname]!();
      if (req.search === '?made') void response.headers;
      sent.push(response);
      return response;
    });
    const undated = (wire: string): string => wire.replace(/\r\nDate: [^\r]*/g, '\r\nDate: -');
    for (const path of Object.keys(bodies)) {
      for (const extra of ['', 'Connection: close\r\n']) {
        // And a response's headers read after it was sent hold what was sent, either way.
        const namesRead = (): string[] => sent.splice(0).map((response) => [...response.headers].map(([name]) => name).join());
        const lazy = await rawExchange(listener, GET(path, extra) + `GET ${path} HTTP/1.0\r\n\r\n`);
        const lazyNames = namesRead();
        const made = await rawExchange(listener, GET(`${path}?made`, extra) + `GET ${path}?made HTTP/1.0\r\n\r\n`);
        expect(lazy).toMatch(/Date: \w{3}, /);
        expect(undated(lazy)).toBe(undated(made));
        expect(lazyNames).toEqual(namesRead());
        expect(lazyNames[0]).toMatch(/^(connection,)?content-length,(content-type,)?date$/);
      }
    }
    const text = await rawExchange(listener, GET('/text', 'Connection: close\r\n'));
    expect(undated(text)).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 5\r\nConnection: close\r\nDate: -\r\n\r\nhello');
    await server.shutdown();
  });

  it('counts Content-Length in bytes for text beyond ASCII', async () => {
    const { listener, server } = startTestServer(() => new KilnResponse('héllo €'));
    const wire = await rawExchange(listener, GET('/'));
    expect(wire).toContain('Content-Length: 10\r\n'); // h é(2) l l o ' ' €(3)
    expect(wire.endsWith('h\xc3\xa9llo \xe2\x82\xac')).toBe(true);
    await server.shutdown();
  });

  it('keeps the connection alive and answers pipelined requests in order', async () => {
    let delay = 3;
    const { listener, server } = startTestServer(async (req) => {
      // Earlier requests take longer: the answers must still come in request order.
      for (let i = 0; i < delay * 20; i++) await Promise.resolve();
      delay--;
      return new KilnResponse(req.pathname);
    });
    const wire = await rawExchange(listener, GET('/one') + GET('/two') + GET('/three'));
    expect(statuses(wire)).toEqual([200, 200, 200]);
    const bodies = wire.split(/HTTP\/1\.1 200 OK\r\n[^]*?\r\n\r\n/).filter(Boolean);
    expect(bodies).toEqual(['/one', '/two', '/three']);
    expect(server.requests).toBe(3);
    await server.shutdown();
  });

  it('reuses one connection for sequential requests', async () => {
    const { listener, server } = startTestServer((req) => new KilnResponse(req.pathname));
    const flow = listener.connect();
    for (const path of ['/1', '/2', '/3']) {
      await flow.write(latin1(GET(path)));
      const chunk = decodeLatin1((await flow.read())!);
      expect(chunk).toMatch(new RegExp(`^HTTP/1.1 200 OK\\r\\n[^]*\\r\\n\\r\\n${path}$`));
      expect(chunk).not.toContain('Connection: close');
    }
    expect(server.connections).toBe(1);
    await flow.close();
    await server.shutdown();
  });

  it('reads a chunked request body and streams a chunked response', async () => {
    const { listener, server } = startTestServer(async (req) => {
      const upper = async function* () {
        for await (const chunk of req.body!) yield latin1(decodeLatin1(chunk).toUpperCase());
      };
      return new KilnResponse(upper());
    });
    const wire = await rawExchange(
      listener,
      'POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    const [head, body] = wire.split('\r\n\r\n', 2).concat(wire.slice(wire.indexOf('\r\n\r\n') + 4)).slice(0, 3).filter((_, i) => i !== 1);
    expect(head).toContain('Transfer-Encoding: chunked');
    expect(head).not.toContain('Content-Length');
    const decoded = body!.replace(/([0-9a-f]+)\r\n([^]*?)\r\n/g, (_m, _n, data: string) => data);
    expect(decoded).toBe('HELLO WORLD');
    expect(body!.endsWith('0\r\n\r\n')).toBe(true);
    await server.shutdown();
  });

  it('sends a stream with a declared Content-Length as is, and to HTTP/1.0 until close', async () => {
    const { listener, server } = startTestServer((req) => {
      const parts = async function* () {
        yield latin1('ab');
        yield latin1('cd');
      };
      return new KilnResponse(parts(), { headers: req.pathname === '/declared' ? { 'content-length': '4' } : {} });
    });
    const declared = await rawExchange(listener, GET('/declared', 'Connection: close\r\n'));
    expect(declared).toMatch(/Content-Length: 4\r\n[^]*\r\n\r\nabcd$/);
    const old = await rawExchange(listener, 'GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    expect(old).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(old).toContain('Connection: close');
    expect(old).not.toContain('Transfer-Encoding');
    expect(old.endsWith('\r\n\r\nabcd')).toBe(true);
    await server.shutdown();
  });

  it('keeps an HTTP/1.0 connection alive only when asked', async () => {
    const { listener, server } = startTestServer(() => new KilnResponse('x'));
    const asked = await rawExchange(listener, 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n');
    expect(statuses(asked)).toEqual([200, 200]);
    expect(asked.match(/Connection: keep-alive/g)).toHaveLength(1);
    expect(asked.match(/Connection: close/g)).toHaveLength(1);
    const plain = await rawExchange(listener, 'GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n');
    expect(statuses(plain)).toEqual([200]);
    await server.shutdown();
  });

  it('answers HEAD with the GET headers and no body, then serves the next request', async () => {
    const { listener, server } = startTestServer((req) => new KilnResponse(req.method === 'HEAD' ? 'twelve bytes' : 'x'));
    const wire = await rawExchange(listener, 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n' + GET('/'));
    expect(statuses(wire)).toEqual([200, 200]);
    expect(wire).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 12\r\n[^]*?\r\n\r\nHTTP\/1\.1 200/);
    await server.shutdown();
  });

  it('sends no body and no length with 204, and Content-Length: 0 for an empty 200', async () => {
    const { listener, server } = startTestServer((req) =>
      // A 204 cannot be given a body (the standard Response refuses one); a stray length is dropped.
      req.pathname === '/none' ? new KilnResponse(null, { status: 204, headers: { 'content-length': '7' } }) : new KilnResponse(null),
    );
    const wire = await rawExchange(listener, GET('/none') + GET('/empty'));
    expect(statuses(wire)).toEqual([204, 200]);
    const [first, second] = wire.split(/(?=HTTP\/1\.1 200)/);
    expect(first).not.toMatch(/Content-Length/);
    expect(second).toMatch(/Content-Length: 0\r\n/);
    await server.shutdown();
  });

  it('answers Expect: 100-continue with 100 once the handler reads the body', async () => {
    const { listener, server } = startTestServer(async (req) => new KilnResponse(`got ${await req.text()}`));
    const flow = listener.connect();
    await flow.write(latin1('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n'));
    expect(decodeLatin1((await flow.read())!)).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    await flow.write(latin1('hello'));
    expect(decodeLatin1((await flow.read())!)).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\ngot hello$/);
    await flow.close();
    await server.shutdown();
  });

  it('answers without 100 and closes when the handler ignores a body the client holds back', async () => {
    const { listener, server } = startTestServer(() => new KilnResponse('no thanks', { status: 401 }));
    const flow = listener.connect();
    await flow.write(latin1('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n'));
    const wire = await readAll(flow);
    expect(statuses(wire)).toEqual([401]);
    expect(wire).toContain('Connection: close');
    await flow.close(); // the server drains unread input until the client goes (a lingering close)
    await server.shutdown();
  });

  it('drains an unread body and goes on with the next request', async () => {
    const { listener, server } = startTestServer((req) => new KilnResponse(req.pathname));
    const wire = await rawExchange(
      listener,
      'POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
        'POST /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
        GET('/c'),
    );
    expect(statuses(wire)).toEqual([200, 200, 200]);
    expect(wire).toMatch(/\/a[^]*\/b[^]*\/c$/);
    await server.shutdown();
  });

  it('answers 500 when the handler throws, reports the error, and keeps serving', async () => {
    const { listener, server, errors } = startTestServer((req) => {
      if (req.pathname === '/boom') throw new Error('boom');
      return new KilnResponse('fine');
    });
    const wire = await rawExchange(listener, GET('/boom') + GET('/ok'));
    expect(statuses(wire)).toEqual([500, 200]);
    expect(wire).not.toContain('boom'); // internals stay private
    expect(errors.map(String)).toEqual(['Error: boom']);
    await server.shutdown();
  });

  it('gives JSON helpers both ways', async () => {
    const { listener, server } = startTestServer(async (req) => KilnResponse.json({ echo: await req.json() }));
    const body = '{"a":[1,2]}';
    const wire = await rawExchange(listener, `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(wire).toContain('Content-Type: application/json');
    expect(wire.endsWith('{"echo":{"a":[1,2]}}')).toBe(true);
    await server.shutdown();
  });
});

describe('serveHttp: limits', () => {
  it('answers 413 when a chunked body grows over the limit, even if the handler catches it', async () => {
    const caught: string[] = [];
    const { listener, server } = startTestServer(
      async (req) => {
        try {
          await req.bytes();
        } catch (err) {
          caught.push((err as Error).message);
          if (req.pathname === '/catch') return new KilnResponse('handled', { status: 400 });
          throw err;
        }
        return new KilnResponse('x');
      },
      { maxBodyBytes: 10 },
    );
    const chunked = (path: string): string =>
      `POST ${path} HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n678901\r\n0\r\n\r\n` + GET('/next');
    const thrown = await rawExchange(listener, chunked('/throw'));
    expect(statuses(thrown)).toEqual([413]);
    expect(thrown).toContain('Connection: close');
    const handled = await rawExchange(listener, chunked('/catch'));
    expect(statuses(handled)).toEqual([400]);
    expect(handled).toContain('Connection: close');
    expect(caught).toHaveLength(2);
    await server.shutdown();
  });
});

describe('serveHttp: accepting', () => {
  it('keeps accepting after a failed accept', async () => {
    const listener = new FlowPairListener();
    // A listener whose first accept fails as a host would when out of descriptors.
    let failures = 1;
    const flaky = Object.assign(Object.create(listener) as typeof listener, {
      accept: () => (failures-- > 0 ? Promise.reject(new StackError('unsupported', 'EMFILE')) : listener.accept()),
    });
    const clock = new VirtualClock();
    const server = serveHttp(flaky, () => new KilnResponse('served'), { clock });
    const flow = listener.connect();
    await flow.write(latin1(GET('/')));
    await settle();
    clock.advance(100);
    const chunk = decodeLatin1((await flow.read())!);
    expect(chunk).toMatch(/served$/);
    await flow.close();
    await server.shutdown();
  });
});

describe('serveHttp: connection limit and eviction', () => {
  it('at maxConnections, evicts the connection that has waited longest for a head, never one with a request in progress', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { listener, server, clock } = startTestServer(
      async (req) => {
        if (req.pathname === '/slow') await slow;
        return new KilnResponse(req.pathname);
      },
      { maxConnections: 3 },
    );
    const busy = listener.connect();
    await busy.write(latin1(GET('/slow')));
    await settle();
    clock.advance(10);
    const older = listener.connect();
    await older.write(latin1('GET /par'));
    await settle();
    clock.advance(10);
    const newer = listener.connect();
    await newer.write(latin1('GET /partial HTTP/1.1\r\n'));
    await settle();
    expect(server.connections).toBe(3);
    clock.advance(990); // both have waited long enough now: the older goes first

    const next = listener.connect();
    await next.write(latin1(GET('/next', 'Connection: close\r\n')));
    expect(await readAll(next)).toMatch(/^HTTP\/1\.1 200 OK[^]*\/next$/);
    await expect(readAll(older)).rejects.toMatchObject({ code: 'reset' });
    expect(server.evicted).toBe(1);

    // The request in progress was not touched: it completes.
    release();
    expect(decodeLatin1((await busy.read())!)).toMatch(/\/slow$/);
    // The younger partial head is still served once it completes.
    await newer.write(latin1('Host: t\r\nConnection: close\r\n\r\n'));
    expect(await readAll(newer)).toMatch(/\/partial$/);
    for (const flow of [busy, newer, next]) await flow.close();
    await server.shutdown();
  });

  it('evicts a connection yet to complete a request before a kept-alive one, even a younger one', async () => {
    const { listener, server, clock } = startTestServer((req) => new KilnResponse(req.pathname), { maxConnections: 2 });
    const kept = listener.connect();
    await kept.write(latin1(GET('/kept')));
    expect(decodeLatin1((await kept.read())!)).toMatch(/\/kept$/);
    clock.advance(500);
    const partial = listener.connect();
    await partial.write(latin1('GET /partial'));
    await settle();
    clock.advance(500);
    const next = listener.connect();
    await next.write(latin1(GET('/next', 'Connection: close\r\n')));
    expect(await readAll(next)).toMatch(/\/next$/);
    await expect(readAll(partial)).rejects.toMatchObject({ code: 'reset' });
    await kept.write(latin1(GET('/again', 'Connection: close\r\n')));
    expect(await readAll(kept)).toMatch(/\/again$/);
    for (const flow of [kept, next]) await flow.close();
    await server.shutdown();
  });

  it('at maxConnections, lets a waiting client in once a head has waited long enough, though no connection ends', async () => {
    const { listener, server, clock } = startTestServer((req) => new KilnResponse(req.pathname), { maxConnections: 2 });
    const idle = [listener.connect(), listener.connect()];
    for (const flow of idle) await flow.write(latin1('GET /idle'));
    await settle();
    const next = listener.connect();
    await next.write(latin1(GET('/next')));
    await settle();
    expect(server.requests).toBe(0); // both heads are too young to evict: the client waits in the listener's queue
    clock.advance(300);
    await settle();
    expect(server.evicted).toBe(1);
    expect(decodeLatin1((await next.read())!)).toMatch(/\/next$/);
    for (const flow of [next, ...idle]) flow.abort();
    await server.shutdown();
  });

  it('waits for a slot when every connection has a request in progress', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { listener, server } = startTestServer(
      async (req) => {
        await slow;
        return new KilnResponse(req.pathname);
      },
      { maxConnections: 2 },
    );
    const flows = [listener.connect(), listener.connect(), listener.connect()];
    for (const [i, flow] of flows.entries()) await flow.write(latin1(GET(`/${i}`, 'Connection: close\r\n')));
    await settle();
    expect(server.connections).toBe(2);
    expect(server.requests).toBe(2);
    release();
    // Each answered connection is closed by its client, which frees its slot for the next.
    for (const [i, flow] of flows.entries()) {
      expect(await readAll(flow)).toMatch(new RegExp(`/${i}$`));
      await flow.close();
    }
    expect(server.evicted).toBe(0);
    await server.shutdown();
  });

  it('counts waiting heads in the memory budget, and evicts the oldest when the stack is refused memory', async () => {
    const memory = new ByteBudget(64 * 1024);
    const { listener, server, clock } = startTestServer((req) => new KilnResponse(req.pathname), { memory });
    const older = listener.connect();
    await older.write(latin1('GET /a HTTP/1.1\r\nX-Slow: 1'));
    await settle();
    clock.advance(5);
    const newer = listener.connect();
    await newer.write(latin1('GET /b HTTP/1.1\r\n'));
    await settle();
    // Each connection's own state, and the bytes of its head so far.
    const perConnection = memory.used - ('GET /a HTTP/1.1\r\nX-Slow: 1'.length + 'GET /b HTTP/1.1\r\n'.length);
    expect(perConnection % 2).toBe(0);
    expect(perConnection / 2).toBeGreaterThan(0);

    expect(memory.tryTake(1 << 20)).toBe(false); // as the TCP layer is refused a ring
    await expect(readAll(older)).rejects.toMatchObject({ code: 'reset' });
    expect(server.evicted).toBe(1);
    await settle();
    expect(memory.used).toBe(perConnection / 2 + 'GET /b HTTP/1.1\r\n'.length);

    await newer.write(latin1('Host: t\r\nConnection: close\r\n\r\n'));
    expect(await readAll(newer)).toMatch(/\/b$/);
    await newer.close();
    await settle();
    expect(memory.used).toBe(0);
    await server.shutdown();
  });

  it('while less than a quarter of the budget is left, a new connection evicts the oldest waiting one instead of being reset', async () => {
    const memory = new ByteBudget(100_000);
    const { listener, server, clock } = startTestServer((req) => new KilnResponse(req.pathname), { memory });
    const idle = listener.connect();
    await idle.write(latin1('GET /'));
    await settle();
    clock.advance(1000);
    memory.take(80_000); // the rest of the stack holds this much
    const next = listener.connect();
    await next.write(latin1(GET('/next', 'Connection: close\r\n')));
    expect(await readAll(next)).toMatch(/\/next$/);
    await expect(readAll(idle)).rejects.toMatchObject({ code: 'reset' });
    expect(server.evicted).toBe(1);
    expect(server.shed).toBe(0);
    await next.close();
    await server.shutdown();
  });
});

describe('serveHttp: shedding load while overloaded', () => {
  it('resets new connections and closes kept-alive ones after their response, then serves again', async () => {
    let short = false;
    // /during answers once released: its connection has a request in progress, so it cannot be evicted for a new one.
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { listener, server } = startTestServer(
      async (req) => {
        if (req.pathname === '/during') await released;
        return new KilnResponse(req.pathname);
      },
      { overloaded: () => short },
    );
    const kept = listener.connect();
    await kept.write(latin1(GET('/before')));
    expect(decodeLatin1((await kept.read())!)).not.toContain('Connection: close');
    await kept.write(latin1(GET('/during')));
    await settle();

    short = true;
    const refused = listener.connect();
    await refused.write(latin1(GET('/refused'))).catch(() => undefined);
    await expect(readAll(refused)).rejects.toMatchObject({ code: 'reset' });
    expect(server.shed).toBe(1);
    // The connection in service still gets its answer, and is then closed to free its buffers.
    release();
    const during = await readAll(kept);
    expect(statuses(during)).toEqual([200]);
    expect(during).toContain('Connection: close');
    await kept.close();

    short = false;
    expect(await rawExchange(listener, GET('/after'))).toMatch(/^HTTP\/1\.1 200 OK[^]*\/after$/);
    expect(server.shed).toBe(1);
    expect(server.requests).toBe(3);
    await server.shutdown();
  });

  it('keeps serving when setting a connection up fails', async () => {
    let failures = 1;
    const { listener, server } = startTestServer((req) => new KilnResponse(req.pathname), {
      // As an allocation failure would strike while a connection is set up.
      overloaded: () => {
        if (failures-- > 0) throw Object.assign(new Error('out of memory'), { name: 'InternalError' });
        return false;
      },
    });
    const failed = listener.connect();
    await expect(readAll(failed)).rejects.toMatchObject({ code: 'reset' });
    expect(await rawExchange(listener, GET('/next', 'Connection: close\r\n'))).toMatch(/\/next$/);
    await server.shutdown();
  });
});

describe('serveHttp: bytes that cannot start a request', () => {
  const CLIENT_HELLO = new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x5e, 0x1f]);
  const cases: Array<[string, Uint8Array]> = [
    ['a TLS ClientHello', CLIENT_HELLO],
    ['an HTTP/0.9 request', latin1('GET /\r\n')],
    ['binary noise', new Uint8Array([0x00, 0xff, 0x13, 0x37])],
    ['a request line with a broken version', latin1('GET / HTTX')],
  ];
  for (const [name, bytes] of cases) {
    it(`answers 400 and closes at once on ${name}, with the connection still open and no clock moving`, async () => {
      let called = false;
      const { listener, server } = startTestServer(() => ((called = true), new KilnResponse('x')), { headerTimeoutMs: 60_000 });
      const flow = listener.connect();
      await flow.write(bytes); // the write side stays open: no end of stream tells the server anything
      const wire = await readAll(flow);
      expect(statuses(wire)).toEqual([400]);
      expect(wire).toContain('\r\nConnection: close\r\n');
      expect(called).toBe(false);
      await flow.close();
      await server.shutdown();
    });
  }

  it('still waits for a request line that arrives a byte at a time', async () => {
    const { listener, server } = startTestServer((req) => new KilnResponse(req.pathname), {}, { maxReadSize: 1 });
    const wire = await rawExchange(listener, GET('/slow', 'Connection: close\r\n'));
    expect(statuses(wire)).toEqual([200]);
    expect(wire.endsWith('/slow')).toBe(true);
    await server.shutdown();
  });
});

describe('serveHttp: timeouts and shutdown', () => {
  it('answers 408 when a head does not complete in time', async () => {
    const { listener, server, clock } = startTestServer(() => new KilnResponse('x'), { headerTimeoutMs: 1000 });
    const flow = listener.connect();
    await flow.write(latin1('GET / HTTP/1.1\r\nHost:'));
    await settle();
    clock.advance(999);
    await settle();
    await flow.write(latin1(' a\r\n'));
    await settle();
    clock.advance(1);
    const wire = await readAll(flow);
    expect(statuses(wire)).toEqual([408]);
    await settle();
    expect(server.connections).toBe(0);
    await server.shutdown();
  });

  it.each([
    { idleTimeoutMs: 500, headerTimeoutMs: 5000, waits: [499] },
    // One read timer per connection: armed for the first head (1000), it fires while the idle wait (3000) goes on, which must go on.
    { idleTimeoutMs: 3000, headerTimeoutMs: 1000, waits: [1500, 1499] },
  ])('closes a kept-alive connection silently after its idle timeout ($idleTimeoutMs ms, head timeout $headerTimeoutMs ms)', async ({ idleTimeoutMs, headerTimeoutMs, waits }) => {
    const { listener, server, clock } = startTestServer(() => new KilnResponse('x'), { idleTimeoutMs, headerTimeoutMs });
    const flow = listener.connect();
    await flow.write(latin1(GET('/')));
    await settle();
    for (const ms of waits) {
      clock.advance(ms);
      await settle();
      expect(server.connections).toBe(1);
    }
    clock.advance(1);
    const wire = await readAll(flow);
    expect(statuses(wire)).toEqual([200]);
    await settle();
    expect(server.connections).toBe(0);
    await server.shutdown();
  });

  it('answers 408 when a body stalls', async () => {
    const { listener, server, clock } = startTestServer(async (req) => new KilnResponse(await req.text()), { bodyTimeoutMs: 2000 });
    const flow = listener.connect();
    await flow.write(latin1('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc'));
    await settle();
    clock.advance(2000);
    const wire = await readAll(flow);
    expect(statuses(wire)).toEqual([408]);
    await server.shutdown();
  });

  /** The connection lives until the stalled write's 3000 ms send timeout, not a millisecond less; then it is reset. */
  async function expectResetAtSendTimeout(server: { connections: number; shutdown(): Promise<void> }, clock: { advance(ms: number): void }, flow: Parameters<typeof readAll>[0]): Promise<void> {
    clock.advance(2999);
    await settle();
    expect(server.connections).toBe(1);
    clock.advance(1);
    await settle();
    expect(server.connections).toBe(0);
    await expect(readAll(flow)).rejects.toMatchObject({ code: 'reset' });
    await server.shutdown();
  }

  it('resets a client that stops reading once a write waits past the send timeout', async () => {
    const big = new Uint8Array(100_000);
    const { listener, server, clock } = startTestServer(() => new KilnResponse(big), { sendTimeoutMs: 3000 }, { capacity: 1024 });
    const flow = listener.connect();
    await flow.write(latin1(GET('/')));
    await settle();
    expect(server.connections).toBe(1);
    await expectResetAtSendTimeout(server, clock, flow);
  });

  it('times each write from its own start: writes accepted in time never reset a long-lived connection, a later stalled one does', async () => {
    const big = new Uint8Array(100_000);
    const { listener, server, clock } = startTestServer((req) => new KilnResponse(req.pathname === '/big' ? big : 'ok'), { sendTimeoutMs: 3000 }, { capacity: 1024 });
    const flow = listener.connect();
    await flow.write(latin1(GET('/')));
    await settle();
    clock.advance(2000);
    await flow.write(latin1(GET('/')));
    await settle();
    clock.advance(1500); // past the first write's start + timeout: both were accepted, nothing to reset
    await settle();
    expect(server.connections).toBe(1);
    await flow.write(latin1(GET('/big')));
    await settle();
    await expectResetAtSendTimeout(server, clock, flow);
  });

  it('shuts down gracefully: idle connections close, a request in progress completes with Connection: close', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { listener, server } = startTestServer(async (req) => {
      if (req.pathname === '/slow') await gate;
      return new KilnResponse(req.pathname);
    });
    const idle = listener.connect();
    await idle.write(latin1(GET('/fast')));
    const busy = listener.connect();
    await busy.write(latin1(GET('/slow')));
    await settle();
    expect(server.connections).toBe(2);
    const stopped = server.shutdown();
    expect(statuses(await readAll(idle))).toEqual([200]);
    await idle.close();
    expect(() => listener.connect()).toThrow(/closed/);
    release();
    const wire = await readAll(busy);
    expect(statuses(wire)).toEqual([200]);
    expect(wire).toContain('Connection: close');
    await busy.close();
    await stopped;
    expect(server.connections).toBe(0);
  });

  it('aborts what is still open after the grace period', async () => {
    const { listener, server, clock } = startTestServer(() => new Promise<KilnResponse>(() => undefined));
    const flow = listener.connect();
    await flow.write(latin1(GET('/forever')));
    await settle();
    const stopped = server.shutdown(100);
    await settle();
    clock.advance(100);
    await stopped;
    await expect(flow.read()).rejects.toMatchObject({ code: 'reset' });
  });
});

describe('serveHttp: handler mistakes', () => {
  it('aborts a response whose stream breaks its declared Content-Length, and reports it', async () => {
    const { listener, server, errors } = startTestServer(() => {
      const short = async function* () {
        yield latin1('abc');
      };
      return new KilnResponse(short(), { headers: { 'content-length': '10' } });
    });
    const flow = listener.connect();
    await flow.write(latin1(GET('/')));
    let wire = '';
    await expect(
      (async () => {
        for (;;) {
          const chunk = await flow.read();
          if (chunk === null) return;
          wire += decodeLatin1(chunk);
        }
      })(),
    ).rejects.toMatchObject({ code: 'reset' });
    expect(wire).toMatch(/Content-Length: 10\r\n/);
    expect(errors.map(String)).toEqual(['RangeError: the body stream gave fewer bytes than its Content-Length of 10']);
    await server.shutdown();
  });

  it('answers 500 when a stream body fails before its first chunk', async () => {
    const { listener, server, errors } = startTestServer(() => {
      const broken = async function* (): AsyncGenerator<Uint8Array> {
        throw new Error('no data today');
      };
      return new KilnResponse(broken());
    });
    expect(statuses(await rawExchange(listener, GET('/')))).toEqual([500]);
    expect(errors.map(String)).toEqual(['Error: no data today']);
    await server.shutdown();
  });
});
