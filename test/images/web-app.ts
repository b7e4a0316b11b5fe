/**
 * Uses the Web-standard globals an image gives (lib/web, set on globalThis
 * before the app runs) and prints one `web NAME: RESULT` line per check
 * (image test): the globals found as feature detection looks for them, the
 * WPT URL parsing data and the WPT Headers cases run inside QuickJS,
 * URLSearchParams, Headers, Request/Response bodies (a streamed one too),
 * AbortSignal.timeout on the image's clock, EventTarget, atob/btoa,
 * structuredClone, crypto.randomUUID, navigator.userAgent, WritableStream
 * backpressure, pipeThrough a TransformStream and the text streams,
 * Blob/FormData through a multipart body, and crypto.subtle against the
 * FIPS 180-4 and RFC 4231 vectors.
 */
import { defineApp, parseArgs } from '../../lib/index.ts';
import { cryptoVectorFailures } from '../../lib/web/testdata/crypto-vectors.ts';
import { failingHeadersCases, kilnHeadersCases } from '../../lib/web/testdata/headers-wpt.ts';
import { hashBackend } from '../../lib/web/subtle-crypto.ts';
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

    // Feature detection as frameworks do it: through globalThis, not by name.
    const names = ['fetch', 'Request', 'Response', 'Headers', 'URL', 'ReadableStream', 'WritableStream', 'TransformStream', 'TextEncoderStream', 'TextDecoderStream', 'Blob', 'File', 'FormData', 'CryptoKey', 'structuredClone', 'queueMicrotask'];
    const g = globalThis as unknown as Record<string, unknown>;
    line('global-this', names.filter((name) => !(name in globalThis) || typeof g[name] !== 'function'));
    line('global-this-same', [g.Request === Request, g.URL === URL, Object.keys(globalThis).includes('URL')]);
    let microtask = false;
    queueMicrotask(() => (microtask = true));
    await Promise.resolve();
    const t0 = performance.now();
    line('runtime-globals', [microtask, typeof t0 === 'number' && performance.now() >= t0, crypto.getRandomValues(new Uint8Array(8)).length, typeof crypto.subtle.digest]);

    const headerFailures = failingHeadersCases({
      Headers: Headers as never,
      errorResponse: () => Response.error() as never,
      redirectResponse: (target) => Response.redirect(target, 302) as never,
    }, kilnHeadersCases);
    line('headers-wpt', `${kilnHeadersCases.length - headerFailures.length}/${kilnHeadersCases.length}`);
    for (const failure of headerFailures) line('headers-wpt-fail', failure);

    // A WritableStream holding two chunks: the writer's ready waits until the sink takes one.
    const taken: string[] = [];
    let release: () => void = () => {};
    const sink = new WritableStream<string>(
      { write: (chunk) => new Promise<void>((resolve) => ((release = resolve), taken.push(chunk))) },
      new CountQueuingStrategy({ highWaterMark: 2 }),
    );
    const writer = sink.getWriter();
    for (const chunk of ['a', 'b', 'c']) void writer.write(chunk);
    const sizes = [writer.desiredSize];
    let ready = false;
    void writer.ready.then(() => (ready = true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const readyWhileFull = ready;
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    sizes.push(writer.desiredSize);
    line('writable', [sizes, readyWhileFull, taken]);

    const upper = new TransformStream<string, string>({ transform: (chunk, controller) => controller.enqueue(chunk.toUpperCase()) });
    const bytes = new TextEncoder().encode('piped € through');
    const piped = new ReadableStream<Uint8Array>({
      start(controller) {
        // Split inside the euro sign, so the decoder stream must carry the partial sequence.
        for (const part of [bytes.subarray(0, 7), bytes.subarray(7)]) controller.enqueue(part);
        controller.close();
      },
    })
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(upper)
      .pipeThrough(new TextEncoderStream());
    line('pipe-through', await new Response(piped).text());

    const form = new FormData();
    form.append('title', 'Kiln');
    form.append('file', new Blob([new Uint8Array([0, 1, 2, 255])], { type: 'application/x-bin' }), 'data.bin');
    const multipart = new Request('http://example.test/upload', { method: 'POST', body: form });
    const parsed = await multipart.formData();
    const file = parsed.get('file') as File;
    line('form-data', [multipart.headers.get('content-type')!.startsWith('multipart/form-data; boundary='), parsed.get('title'), file.name, file.type, [...(await file.bytes())]]);
    line('blob', [new Blob(['héllo']).size, await new Blob(['héllo']).slice(1, 3).text(), (await new Response(new URLSearchParams('a=1&b=2')).formData()).getAll('a')]);

    const { total, failures } = await cryptoVectorFailures(crypto.subtle as never);
    line('subtle-vectors', `${total - failures.length}/${total}`);
    line('subtle-backend', (['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const).map(hashBackend));
    for (const failure of failures) line('subtle-fail', failure);
    const unsupported = await crypto.subtle.digest('MD5', new Uint8Array(0)).then(
      () => 'resolved',
      (err: Error) => err.name,
    );
    line('subtle-errors', unsupported);
    return 0;
  },
});
