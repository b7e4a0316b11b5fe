// itty-router (from npm, unchanged) as a Kiln app on the in-memory test
// stack: params and query, middleware, JSON both ways, its error helper and 404.
import { describe, expect, it } from 'vitest';

import { fetchApp } from '../../lib/fetch-app.ts';
import { startTestApp } from '../../lib/testing/index.ts';
import ittyApp from './itty-app.ts';

describe('itty-router served by Kiln', () => {
  it('routes, reads params and query, runs middleware, answers JSON and errors', async () => {
    const running = await startTestApp(fetchApp(ittyApp, 'itty'), { args: ['--port=80'] });
    const root = await running.fetch('/');
    expect([root.status, await root.text()]).toEqual([200, 'itty!']);
    const item = await running.fetch('/items/7?sort=asc');
    expect([item.headers.get('content-type'), await item.json()]).toEqual(['application/json; charset=utf-8', { id: '7', sort: 'asc', via: 'itty-on-kiln' }]);
    const created = await running.fetch('/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"kettle"}' });
    expect([created.status, await created.json()]).toEqual([201, { created: 'kettle' }]);
    const teapot = await running.fetch('/teapot');
    expect([teapot.status, await teapot.json()]).toEqual([418, { status: 418, error: 'short and stout' }]);
    const missing = await running.fetch('/nope');
    expect(missing.status).toBe(404);
    expect(await running.stop()).toBe(0);
  });
});
