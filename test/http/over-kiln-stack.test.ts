/**
 * examples/http on Kiln's own TCP/IP stack (lib/net), as in an image: the
 * app on one stack, clients on another, joined by the in-memory switch on a
 * virtual clock, with and without loss, duplication and reordering.
 */
import { describe, expect, it } from 'vitest';
import app from '../../examples/http/app.ts';
import { consoleOver } from '../../lib/devices/console.ts';
import { HttpClient } from '../../lib/http/client.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';
import { stackPair } from '../../lib/testing/stack-fixtures.ts';
import type { SwitchOptions, VirtualSwitch } from '../../lib/testing/switch.ts';
import type { VirtualClock } from '../../lib/testing/virtual-clock.ts';
import { decodeLatin1, encodeLatin1 } from '../../lib/text/latin1.ts';
import { DnsResolver } from '../../lib/dns/resolver.ts';
import { DnsAnswerer, serveDnsOn } from '../support/dns-server.ts';
import { stopRequest } from '../../lib/app.ts';

const SERVER = '10.0.0.3';

/**
 * Runs the network until `work` settles, like lib/testing/drive.ts, but
 * counts the network quiet only after many idle microtask turns: parsing a
 * 64 KiB read through the HTTP layers is a long chain of promise jobs with
 * no frame in between, which drive's default would mistake for a deadlock.
 */
async function runNetwork<T>(clock: VirtualClock, sw: VirtualSwitch, work: Promise<T>): Promise<T> {
  let done = false;
  work.then(
    () => (done = true),
    () => (done = true),
  );
  for (let step = 0; step < 100_000; step++) {
    await sw.settle(2_000);
    if (done) return work;
    const next = clock.nextDeadlineMs();
    if (next === null) throw new Error('the work is still pending, but no frame or timer is left');
    clock.advanceTo(Math.max(next, clock.nowMs()));
  }
  throw new Error('the work did not finish within 100000 timer steps');
}

async function network(faults: SwitchOptions = {}) {
  const { clock, sw, a, b } = await stackPair(faults);
  const lines: string[] = [];
  const running = app.start({ devices: { net: b }, args: ['--port=80'], clock, random: new SeededRandom(9), console: consoleOver((l) => lines.push(l)), stopping: stopRequest().stopping });
  const client = new HttpClient(a, { clock, timeoutMs: 60_000 });
  const run = <T>(work: Promise<T>): Promise<T> => runNetwork(clock, sw, work);
  await run(Promise.resolve());
  const stop = async (): Promise<void> => {
    await client.close();
    await b.close();
    await run(Promise.resolve(running));
    expect(lines.at(-1)).toMatch(/^\[info\] http: stopped after \d+ requests$/);
  };
  return { a, b, clock, client, run, stop, lines };
}

const pattern = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 13 + 7) & 0xff);

describe('examples/http over the TypeScript stack', () => {
  it('serves hello and its stats, on one kept-alive connection', async () => {
    const { client, run, stop, lines } = await network();
    expect(lines[0]).toBe('[info] http: listening on 0.0.0.0:80');
    const hello = await run(client.request(`http://${SERVER}/`));
    expect(await run(hello.text())).toBe('hello');
    const stats = (await run((await run(client.request(`http://${SERVER}/stats`))).json())) as {
      requests: number;
      stack: Record<string, Record<string, number>>;
    };
    expect(stats.requests).toBe(2);
    expect(Object.keys(stats.stack)).toEqual(expect.arrayContaining(['ethernet', 'ipv4', 'tcp']));
    expect(client.idleConnections).toBe(1);
    await stop();
  });

  // Seed 7 once stalled the TCP layer: the server held queued data with nothing in flight and an offered
  // window below one segment, with no timer to send it if no window update came (now the SWS override timeout).
  it.each([3, 7])('echoes a 300 kB streamed upload intact through loss, duplication and reordering (seed %i)', async (seed) => {
    const { client, run, stop } = await network({ seed, loss: 0.03, duplicate: 0.02, reorder: 0.05 });
    const data = pattern(300_000);
    const upload = async function* () {
      for (let at = 0; at < data.length; at += 7_000) yield data.subarray(at, at + 7_000);
    };
    const response = await run(client.request(`http://${SERVER}/echo`, { method: 'POST', body: upload() }));
    expect(response.status).toBe(200);
    const echoed = await run(response.bytes());
    expect(echoed.length).toBe(data.length);
    expect(echoed.every((b, i) => b === data[i])).toBe(true);
    await stop();
  });

  it('answers pipelined requests in order, and a smuggling attempt with 400', async () => {
    const { a, run, stop } = await network({ seed: 3, loss: 0.02, reorder: 0.05 });
    const flow = await run(a.connectTcp(SERVER, 80));
    const raw =
      'GET /static/kiln.svg HTTP/1.1\r\nHost: x\r\n\r\n' +
      'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n' +
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' +
      'GET /never HTTP/1.1\r\nHost: x\r\n\r\n';
    await run(flow.write(encodeLatin1(raw)!));
    let wire = '';
    for (;;) {
      const chunk = await run(flow.read());
      if (chunk === null) break;
      wire += decodeLatin1(chunk);
    }
    expect([...wire.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1])).toEqual(['200', '200', '200', '400']);
    expect(wire).toMatch(/<\/svg>\n[^]*Content-Length: 5\r\n[^]*\r\n\r\nhelloHTTP\/1\.1 400/);
    await run(flow.close());
    await stop();
  });

  it('is reached by name: the resolver asks a DNS server on the same network', async () => {
    const { a, b, clock, run, stop } = await network({ seed: 2, loss: 0.05 });
    const dns = new DnsAnswerer((name) =>
      name === 'www.kiln.test' ? { answers: [{ name, type: 'A', ttl: 60, data: SERVER }] } : { rcode: 3 },
    );
    await run(serveDnsOn(b, dns));
    const resolver = new DnsResolver(a, { servers: [SERVER], clock, random: new SeededRandom(3), timeoutMs: 3000 });
    const byName = new HttpClient(a, { resolver, clock, timeoutMs: 60_000 });
    expect(await run((await run(byName.request('http://www.kiln.test/'))).text())).toBe('hello');
    await expect(run(byName.request('http://nowhere.kiln.test/'))).rejects.toMatchObject({ code: 'not-found' });
    expect(dns.seen.map((q) => q.name)).toContain('www.kiln.test');
    await byName.close();
    await stop();
  });

  it('serves 40 clients at once', async () => {
    const { client, run, stop } = await network({ seed: 11, loss: 0.01 });
    const all = Array.from({ length: 40 }, (_, i) => client.request(`http://${SERVER}/?client=${i}`).then((r) => r.text()));
    expect(await run(Promise.all(all))).toEqual(Array.from({ length: 40 }, () => 'hello'));
    await stop();
  });
});
