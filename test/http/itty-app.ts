/**
 * An itty-router app, written as itty's documentation writes one (AutoRouter
 * with its JSON, params and error handling, `withContent`, a `before`
 * middleware, `export default { ...router }`): the second framework Kiln
 * serves unchanged as a `{ fetch }` module. Used on the test stack
 * (itty.test.ts) and built into an image (test/http/image.test.ts).
 */
import { AutoRouter, error, text, withContent, type IRequest } from 'itty-router';

const router = AutoRouter({
  // Middleware: every request gets a header the handlers echo.
  before: [(request: IRequest) => void (request.via = 'itty-on-kiln')],
});

router
  .get('/', () => text('itty!'))
  .get('/items/:id', ({ id, query, via }: IRequest) => ({ id, sort: query.sort ?? null, via }))
  .post('/items', withContent, ({ content }: IRequest) => new Response(JSON.stringify({ created: (content as { name: string }).name }), { status: 201, headers: { 'content-type': 'application/json' } }))
  .get('/teapot', () => error(418, 'short and stout'));

export default { ...router };
