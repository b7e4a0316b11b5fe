// Hono (from npm, unchanged) as a Kiln app on the in-memory test stack:
// routing, params and query, middleware, c.json, parseBody of form bodies,
// a streamed response, notFound.
import { describe, expect, it } from 'vitest';

import { fetchApp } from '../../lib/fetch-app.ts';
import { startTestApp } from '../../lib/testing/index.ts';
import honoApp from './hono-app.ts';

describe('Hono served by Kiln', () => {
  it('routes, reads params and query, runs middleware, answers JSON', async () => {
    const running = await startTestApp(fetchApp(honoApp, 'hono'), { args: ['--port=80'] });
    const text = await running.fetch('/');
    expect([text.status, await text.text()]).toEqual([200, 'Hono!']);
    const post = await running.fetch('/api/posts/7?page=2');
    expect([post.headers.get('x-powered-by'), post.headers.get('content-type'), await post.json()]).toEqual([
      'hono-on-kiln',
      'application/json',
      { id: '7', page: '2' },
    ]);
    const created = await running.fetch('/api/posts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"t"}' });
    expect([created.status, await created.json()]).toEqual([201, { created: 't' }]);
    const form = new FormData();
    form.append('title', 't');
    form.append('file', new Blob([new Uint8Array(300)], { type: 'application/x-bin' }), 'upload.bin');
    // Encoded by Node's Request (the test stack's fetch takes bytes).
    const encoded = new Request('http://x/', { method: 'POST', body: form });
    const multipart = await running.fetch('/api/form', {
      method: 'POST',
      headers: { 'content-type': encoded.headers.get('content-type')! },
      body: new Uint8Array(await encoded.arrayBuffer()),
    });
    expect(await multipart.json()).toEqual({ title: 't', file: { file: 'upload.bin', type: 'application/x-bin', size: 300 } });
    const urlencoded = await running.fetch('/api/form', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=x+y' });
    expect(await urlencoded.json()).toEqual({ a: '1', b: 'x y' });
    const streamed = await running.fetch('/api/stream');
    expect([streamed.headers.get('transfer-encoding'), await streamed.text()]).toEqual(['chunked', 'chunk 1\nchunk 2\nchunk 3\n']);
    const missing = await running.fetch('/nope');
    expect([missing.status, await missing.json()]).toEqual([404, { error: 'not found', path: '/nope' }]);
    expect(await running.stop()).toBe(0);
  });
});
