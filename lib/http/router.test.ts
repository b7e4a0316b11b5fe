import { describe, expect, it } from 'vitest';
import { KilnHeaders } from './headers.ts';
import { KilnRequest } from './request.ts';
import { KilnResponse } from './response.ts';
import { RoutePatternError, Router } from './router.ts';

const endpoint = { address: '10.0.0.1', port: 80 };

function request(method: string, target: string): KilnRequest {
  return new KilnRequest({ method, target, version: '1.1', headers: new KilnHeaders({ host: 'test' }) }, null, endpoint, endpoint);
}

async function answer(router: Router, method: string, target: string): Promise<{ status: number; allow: string | null; body: string }> {
  const response = await router.handle(request(method, target));
  return { status: response.status, allow: response.headers.get('allow'), body: await response.text() };
}

const notes = new Router()
  .get('/notes', () => new KilnResponse('list'))
  .get('/notes/:id', (_, { id }) => new KilnResponse(`get ${id}`))
  .put('/notes/:id', (_, { id }) => new KilnResponse(`put ${id}`))
  .delete('/notes/:id', (_, { id }) => new KilnResponse(`delete ${id}`))
  .get('/files/*', (_, params) => new KilnResponse(`file ${params['*']}`))
  .all('/any', (req) => new KilnResponse(`any ${req.method}`));

describe('Router', () => {
  it('routes by method and path, with parameters', async () => {
    expect(await answer(notes, 'GET', '/notes')).toMatchObject({ status: 200, body: 'list' });
    expect(await answer(notes, 'GET', '/notes/42?x=1')).toMatchObject({ status: 200, body: 'get 42' });
    expect(await answer(notes, 'PUT', '/notes/a%20b')).toMatchObject({ status: 200, body: 'put a b' });
    expect(await answer(notes, 'DELETE', '/notes/7')).toMatchObject({ status: 200, body: 'delete 7' });
    expect(await answer(notes, 'GET', '/files/a/b/c')).toMatchObject({ body: 'file a/b/c' });
    expect(await answer(notes, 'GET', '/files/')).toMatchObject({ body: 'file ' });
    expect(await answer(notes, 'PATCH', '/any')).toMatchObject({ body: 'any PATCH' });
  });

  it('answers 404 when no route has the path', async () => {
    for (const path of ['/', '/note', '/notes/1/2', '/notes/', '/files']) {
      expect((await answer(notes, 'GET', path)).status, path).toBe(404);
    }
  });

  it('answers 405 with Allow when the path exists but not the method', async () => {
    expect(await answer(notes, 'POST', '/notes/1')).toMatchObject({ status: 405, allow: 'DELETE, GET, HEAD, OPTIONS, PUT' });
    expect(await answer(notes, 'DELETE', '/notes')).toMatchObject({ status: 405, allow: 'GET, HEAD, OPTIONS' });
  });

  it('serves HEAD with the GET route and OPTIONS with Allow', async () => {
    expect(await answer(notes, 'HEAD', '/notes/3')).toMatchObject({ status: 200, body: 'get 3' });
    expect(await answer(notes, 'OPTIONS', '/notes/3')).toMatchObject({ status: 204, allow: 'DELETE, GET, HEAD, OPTIONS, PUT' });
  });

  it('answers 400 for a parameter that is not valid percent-encoding', async () => {
    expect((await answer(notes, 'GET', '/notes/%E0%A4%A')).status).toBe(400);
  });

  it('refuses bad patterns when the route is added', () => {
    expect(() => new Router().get('notes', () => new KilnResponse())).toThrow(RoutePatternError);
    expect(() => new Router().get('/a/*/b', () => new KilnResponse())).toThrow(/last segment/);
    expect(() => new Router().get('/:id/:id', () => new KilnResponse())).toThrow(/twice/);
    expect(() => new Router().get('/:1d', () => new KilnResponse())).toThrow(/bad parameter/);
  });
});
