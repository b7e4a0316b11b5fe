/**
 * A standard (Request => Response) handler served by lib/http in an image
 * (test/http/image.test.ts): `/json/:name` answers JSON built from the URL,
 * `/echo` streams the request body back, and `/proxy?url=U` calls the
 * image's global `fetch` (out through the same stack) and answers what came
 * back.
 */
import { defineApp, parseArgs, stack } from '../../lib/index.ts';
import { serveFetch } from '../../lib/http/index.ts';
// The image's globals are these; the repository's own type check sees Node's.
import { Response, URL } from '../../lib/web/index.ts';

const ARGS = { port: { type: 'int', min: 0, max: 65535, default: 80, help: 'TCP port to serve on' } } as const;

export default defineApp({
  name: 'webfetch',
  devices: { net: stack() },
  async start({ devices, args, clock, console }) {
    const { port } = parseArgs(args, ARGS);
    const server = serveFetch(
      await devices.net.listenTcp(port),
      async (request) => {
        const url = new URL(request.url);
        if (url.pathname.startsWith('/json/')) {
          return Response.json({ name: decodeURIComponent(url.pathname.slice(6)), q: url.searchParams.get('q'), method: request.method });
        }
        if (url.pathname === '/echo') return new Response(request.body, { headers: { 'content-type': 'application/octet-stream' } });
        if (url.pathname === '/proxy') {
          const upstream = await fetch(url.searchParams.get('url') ?? '');
          return new Response(`upstream ${upstream.status} ${upstream.headers.get('content-type')} [${(await upstream.text()).trim()}]`);
        }
        return new Response('not found\n', { status: 404 });
      },
      { clock },
    );
    console.info(`webfetch: listening on ${port}`);
    await server.closed;
  },
});
