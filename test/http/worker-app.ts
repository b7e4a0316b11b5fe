/**
 * A Workers-style module (`export default { fetch }`, no defineApp), served
 * by Kiln on `--port` (lib/fetch-app.ts); test/http/image.test.ts builds it
 * into an image and probes it with curl.
 */
// The image's globals are these; the repository's own type check sees Node's.
import { Response, URL, type Request } from '../../lib/web/index.ts';

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/hello') return new Response('hello from a fetch module\n');
    return Response.json({ path: url.pathname, method: request.method, body: request.method === 'POST' ? await request.text() : null });
  },
};
