import { describe, expect, it } from 'vitest';
import { exchange, type ExchangeLimits } from './client-exchange.ts';
import { KilnHeaders } from './headers.ts';
import { Body } from '../web/body.ts';
import { KilnResponse } from './response.ts';
import { parseHttpUrl } from './url.ts';
import { latin1, settle, startTestServer } from '../../test/support/http.ts';
import { createFlowPair } from '../testing/flow-pair.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';
import { decodeLatin1 } from '../text/latin1.ts';

const LIMITS: ExchangeLimits = { clock: null, timeoutMs: null, maxHeaderBytes: 8192, maxHeaderCount: 100, maxBodyBytes: 1 << 20 };

const request = (method: string, path: string, body: Body | null = null, headers = new KilnHeaders()) => ({
  method,
  url: parseHttpUrl(`http://server.test:8080${path}`),
  headers,
  body,
});

async function* pieces(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield latin1(p);
}

describe('client exchange against serveHttp over a flow pair', () => {
  it('reuses one connection for several requests, streaming bodies both ways', async () => {
    const { listener, server } = startTestServer(
      async (req) =>
        new KilnResponse(req.body === null ? `${req.method} ${req.url}` : pieces('you sent: ', await req.text())),
      {},
      { maxReadSize: 7, capacity: 16 }, // tiny reads and buffers: every parser boundary gets crossed
    );
    const flow = listener.connect();
    const first = await exchange(flow, request('GET', '/a?b=c'), LIMITS);
    expect(first.response.status).toBe(200);
    expect(await first.response.text()).toBe('GET http://server.test:8080/a?b=c');
    expect(await first.finished).toBe(true);

    const second = await exchange(flow, request('POST', '/up', Body.of(pieces('chunk one, ', 'chunk two'))), LIMITS);
    expect(second.response.headers.get('transfer-encoding')).toBe('chunked');
    expect(await second.response.text()).toBe('you sent: chunk one, chunk two');
    expect(await second.finished).toBe(true);

    const head = await exchange(flow, request('HEAD', '/h'), LIMITS);
    expect(head.response.body).toBeNull();
    expect(await head.finished).toBe(true);
    expect(server.connections).toBe(1);
    await flow.close();
    await server.shutdown();
  });

  it('says the connection cannot be reused after Connection: close or an unread body', async () => {
    const { listener, server } = startTestServer(() => new KilnResponse('body', { headers: { connection: 'close' } }));
    const closingFlow = listener.connect();
    const closing = await exchange(closingFlow, request('GET', '/'), LIMITS);
    expect(await closing.response.text()).toBe('body');
    expect(await closing.finished).toBe(false);
    await closingFlow.close();

    const { listener: l2, server: s2 } = startTestServer(() => new KilnResponse(pieces('a', 'b', 'c')));
    const abandonedFlow = l2.connect();
    const abandoned = await exchange(abandonedFlow, request('GET', '/'), LIMITS);
    for await (const chunk of abandoned.response.body!) {
      expect(decodeLatin1(chunk)).toBe('a');
      break;
    }
    expect(await abandoned.finished).toBe(false);
    await abandonedFlow.close();
    await server.shutdown();
    await s2.shutdown();
  });

  it('skips 100 Continue, and rejects malformed or smuggling-prone responses', async () => {
    const cases: Array<[string, string | null]> = [
      ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'ok'],
      ['HTTP/1.0 200 OK\r\n\r\nuntil close', 'until close'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n', null],
      ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc', null],
      ['HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n', null],
      ['HTTP/1.1 2000 OK\r\n\r\n', null],
      ['HTTP/1.1 200 OK\nContent-Length: 0\n\n', null],
    ];
    for (const [wire, expected] of cases) {
      const [client, server] = createFlowPair();
      const answered = (async () => {
        await server.write(latin1(wire));
        await server.close();
      })();
      const attempt = exchange(client, request('GET', '/'), LIMITS).then((x) => x.response.text());
      if (expected === null) await expect(attempt, wire).rejects.toMatchObject({ code: 'bad-response' });
      else expect(await attempt).toBe(expected);
      await answered;
    }
  });

  it('reports a response cut short, and times out a silent server', async () => {
    const [client, server] = createFlowPair();
    void (async () => {
      await server.write(latin1('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
      await server.close();
    })();
    const cut = await exchange(client, request('GET', '/'), LIMITS);
    await expect(cut.response.text()).rejects.toMatchObject({ code: 'incomplete' });
    expect(await cut.finished).toBe(false);

    const clock = new VirtualClock();
    const [quiet] = createFlowPair(); // nobody answers on the other end
    const waiting = exchange(quiet, request('GET', '/'), { ...LIMITS, clock, timeoutMs: 5000 });
    await settle(); // the exchange reaches its read and sets its timer
    clock.advance(4999);
    await settle();
    clock.advance(1);
    await expect(waiting).rejects.toMatchObject({ code: 'timed-out' });
  });
});
