/**
 * Uses the Web-standard globals an image gives (lib/web, injected by the
 * build) and prints one `web NAME: RESULT` line per check (image test): the
 * WPT URL parsing data run inside QuickJS, URLSearchParams, Headers,
 * Request/Response bodies (a streamed one too), AbortSignal.timeout on the
 * image's clock, EventTarget, atob/btoa, structuredClone, crypto.randomUUID,
 * navigator.userAgent.
 */
import { defineApp, parseArgs } from '../../lib/index.ts';
import urlTestData from '../../lib/web/testdata/urltestdata.json';

// Node 20's types (which the repository's own check uses) lack navigator; images have it.
declare const navigator: { readonly userAgent: string };

interface UrlCase {
  input: string;
  base: string | null;
  failure?: boolean;
  href?: string;
  pathname?: string;
  host?: string;
  search?: string;
  hash?: string;
}

function urlConformance(): string {
  const cases = (urlTestData as unknown[]).filter((c): c is UrlCase => typeof c === 'object');
  let passed = 0;
  for (const c of cases) {
    try {
      const url = c.base === null ? new URL(c.input) : new URL(c.input, c.base);
      if (!c.failure && url.href === c.href && url.pathname === c.pathname && url.host === c.host && url.search === c.search && url.hash === c.hash) passed++;
    } catch {
      if (c.failure) passed++;
    }
  }
  return `${passed}/${cases.length}`;
}

export default defineApp({
  name: 'web',
  devices: {},
  async start({ args, console }) {
    parseArgs(args, {});
    const line = (name: string, result: unknown) => console.write(`web ${name}: ${typeof result === 'string' ? result : JSON.stringify(result)}`);

    line('url-wpt', urlConformance());
    const url = new URL('../x?a=1#h', 'https://user@Example.COM:443/p/q');
    url.searchParams.append('b', 'two words');
    line('url', url.href);
    line('search-params', [...new URLSearchParams('k=v&k=w&e=%E2%82%AC')]);

    const headers = new Headers({ 'X-One': ' 1 ' });
    headers.append('x-one', '2');
    line('headers', [...headers]);

    const request = new Request('http://example.test/items', { method: 'post', body: JSON.stringify({ id: 7 }), headers });
    line('request', [request.method, request.url, request.headers.get('content-type'), await request.json()]);

    const streamed = new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const part of ['chunk-1 ', 'chunk-2']) controller.enqueue(new TextEncoder().encode(part));
          controller.close();
        },
      }),
      { status: 201, headers: { 'content-type': 'text/plain' } },
    );
    line('response', [streamed.status, streamed.ok, await streamed.clone().text(), (await streamed.arrayBuffer()).byteLength]);
    line('response-json', await Response.json({ ok: true }).text());

    const started = Date.now();
    const signal = AbortSignal.timeout(20);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    line('abort-timeout', [(signal.reason as DOMException).name, Date.now() - started >= 15]);

    const target = new EventTarget();
    let heard = '';
    target.addEventListener('ping', (e) => (heard = e.type), { once: true });
    target.dispatchEvent(new Event('ping'));
    line('event', heard);

    line('base64', [btoa('Kiln'), atob('S2lsbg==')]);
    const source: Record<string, unknown> = { when: new Date(0), map: new Map([[1, 'one']]), bytes: new Uint8Array([1, 2]) };
    source.self = source;
    const copy = structuredClone(source);
    line('structured-clone', [copy !== source, copy.self === copy, (copy.map as Map<number, string>).get(1), (copy.when as Date).toISOString()]);
    line('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()) ? 'v4' : 'bad');
    line('user-agent', navigator.userAgent);
    return 0;
  },
});
