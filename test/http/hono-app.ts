/**
 * A Hono app, unchanged from how Hono's documentation writes one (router,
 * params, middleware, `c.json`, `parseBody` of form bodies, a streamed
 * response, `export default app`): Kiln serves any
 * `{ fetch }` module, and a Hono instance is one. Built into an image and
 * probed by curl in test/http/image.test.ts.
 */
import { Hono } from 'hono';
import { logger } from 'hono/logger';
import { streamText } from 'hono/streaming';

const app = new Hono();

app.use('*', logger());
app.use('/api/*', async (c, next) => {
  await next();
  c.header('x-powered-by', 'hono-on-kiln');
});

app.get('/', (c) => c.text('Hono!'));
app.get('/api/posts/:id', (c) => c.json({ id: c.req.param('id'), page: c.req.query('page') ?? null }));
app.post('/api/posts', async (c) => {
  const body = await c.req.json<{ title: string }>();
  return c.json({ created: body.title }, 201);
});
// Multipart and urlencoded forms: Hono's parseBody reads them with Response.formData() and FormData.
app.post('/api/form', async (c) => {
  const body = await c.req.parseBody();
  const fields = Object.entries(body).map(([name, value]) =>
    typeof value === 'string' ? [name, value] : [name, { file: value.name, type: value.type, size: value.size }],
  );
  return c.json(Object.fromEntries(fields));
});
// A streamed response (Hono writes it through a TransformStream): sent chunked, each line as it is written.
app.get('/api/stream', (c) =>
  streamText(c, async (stream) => {
    for (let i = 1; i <= 3; i++) await stream.writeln(`chunk ${i}`);
  }),
);
app.notFound((c) => c.json({ error: 'not found', path: c.req.path }, 404));

export default app;
