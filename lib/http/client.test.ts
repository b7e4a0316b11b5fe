import { describe, expect, it } from 'vitest';
import { HttpClient } from './client.ts';
import { KilnResponse } from './response.ts';
import { settle, startTestServer } from '../../test/support/http.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';

/** A client whose connections go to the test server's in-memory listener, counting them. */
function clientFor(test: ReturnType<typeof startTestServer>, options: ConstructorParameters<typeof HttpClient>[1] = {}) {
  const opened: string[] = [];
  const client = new HttpClient(null, {
    ...options,
    connector: async (host, port) => {
      opened.push(`${host}:${port}`);
      return test.listener.connect();
    },
  });
  return { client, opened };
}

describe('HttpClient', () => {
  it('reuses a kept-alive connection for requests to the same origin', async () => {
    const test = startTestServer(async (req) => new KilnResponse(`${req.method} ${req.pathname} ${await req.text()}`));
    const { client, opened } = clientFor(test);
    expect(await (await client.request('http://svc.test/a')).text()).toBe('GET /a ');
    expect(await (await client.request('http://svc.test/b', { method: 'POST', body: 'data' })).text()).toBe('POST /b data');
    expect(await (await client.request('http://svc.test/c')).text()).toBe('GET /c ');
    expect(opened).toEqual(['svc.test:80']);
    expect(test.server.connections).toBe(1);
    await client.close();
    await test.server.shutdown();
  });

  it('opens a new connection when the server closed the idle one, replaying an idempotent request', async () => {
    const test = startTestServer((req) => new KilnResponse(req.pathname), { idleTimeoutMs: 1000 });
    const { client, opened } = clientFor(test);
    expect(await (await client.request('http://svc.test/1')).text()).toBe('/1');
    await settle();
    test.clock.advance(1000); // the server gives up the idle connection
    await settle();
    expect(test.server.connections).toBe(0);
    expect(await (await client.request('http://svc.test/2')).text()).toBe('/2');
    expect(opened).toHaveLength(2);
    await client.close();
    await test.server.shutdown();
  });

  it('keeps at most maxIdlePerOrigin idle connections, and closes them after its idle timeout', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const test = startTestServer(async () => {
      await gate;
      return new KilnResponse('x');
    });
    const clock = new VirtualClock();
    const { client, opened } = clientFor(test, { maxIdlePerOrigin: 2, clock, idleTimeoutMs: 500 });
    const pending = [1, 2, 3].map(() => client.request('http://svc.test/').then((r) => r.text()));
    await settle();
    release();
    expect(await Promise.all(pending)).toEqual(['x', 'x', 'x']);
    await settle();
    expect(opened).toHaveLength(3);
    expect(client.idleConnections).toBe(2);
    clock.advance(500);
    expect(client.idleConnections).toBe(0);
    await settle();
    expect(test.server.connections).toBe(0);
    await test.server.shutdown();
  });

  it('closes the connection after each request when keep-alive is off', async () => {
    const test = startTestServer((req) => new KilnResponse(req.headers.get('connection') ?? ''));
    const { client, opened } = clientFor(test, { keepAlive: false });
    expect(await (await client.request('http://svc.test/')).text()).toBe('close');
    expect(await (await client.request('http://svc.test/')).text()).toBe('close');
    expect(opened).toHaveLength(2);
    expect(client.idleConnections).toBe(0);
    await test.server.shutdown();
  });

  it('refuses URLs it cannot use, before connecting', async () => {
    const client = new HttpClient(null, {
      connector: () => Promise.reject(new Error('must not connect')),
    });
    for (const url of ['https://svc.test/', 'ftp://svc.test/', 'svc.test/', 'http://[::1]/', 'http://svc.test:99999/', 'http://u@svc.test/', 'http://svc.test/a b']) {
      await expect(client.request(url), url).rejects.toMatchObject({ code: 'invalid-url' });
    }
    await expect(client.request('http://svc.test/', { method: 'GE T' })).rejects.toMatchObject({ code: 'invalid-header' });
  });
});
