// A `{ fetch }` module run as a whole app (startTestApp: a TypeScript stack on
// an in-memory switch): served on --port, env is the app's context, stops on request.
import { describe, expect, it } from 'vitest';

import { fetchApp, isFetchModule, type FetchEnv } from './fetch-app.ts';
import { startTestApp } from './testing/index.ts';
import { Response } from './web/response.ts';
import { URL } from './web/url.ts';
import type { Request } from './web/request.ts';

const worker = {
  async fetch(request: Request, env: FetchEnv) {
    const url = new URL(request.url);
    if (url.pathname === '/args') return Response.json(env.args);
    return new Response(`${request.method} ${url.pathname} ${await request.text()}`, { status: 202, headers: { 'x-kind': 'fetch-module' } });
  },
};

describe('fetchApp', () => {
  it('tells fetch modules from apps', () => {
    expect(isFetchModule(worker)).toBe(true);
    expect(isFetchModule({ fetch() {}, start() {} })).toBe(false);
    expect(isFetchModule(null)).toBe(false);
  });

  it('serves the module on --port, with the app context as env', async () => {
    const running = await startTestApp(fetchApp(worker, 'worker'), { args: ['--port=8081'] });
    const response = await running.fetch(`http://${running.address}:8081/items`, { method: 'POST', body: 'one' });
    expect([response.status, response.headers.get('x-kind'), await response.text()]).toEqual([202, 'fetch-module', 'POST /items one']);
    expect(await (await running.fetch(`http://${running.address}:8081/args`)).json()).toEqual(['--port=8081']);
    expect(running.lines).toContain(`[info] worker: serving fetch on 0.0.0.0:8081`);
    expect(await running.stop()).toBe(0);
  });
});
