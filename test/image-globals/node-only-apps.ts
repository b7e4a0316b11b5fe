/**
 * Apps that use what Node.js has and a Kiln image has not, for
 * image-globals.test.ts (outside lib/, where startTestApp judges code as the
 * app's own).
 */
import { defineApp, stack } from '../../lib/index.ts';
import { KilnResponse, serveHttp } from '../../lib/http/index.ts';

/** Reads `process.env` as it starts. */
export const readsProcessEnv = defineApp({
  name: 'reads-env',
  devices: {},
  async start({ console }) {
    console.info(`port from the environment: ${process.env.PORT ?? 'none'}`);
  },
});

/** Serves HTTP; `/file` requires `fs` in the handler, `/buffer` uses Buffer and URL (which images have). */
export const requiresFs = defineApp({
  name: 'requires-fs',
  devices: { net: stack() },
  async start({ devices, clock, stopping }) {
    const server = serveHttp(
      await devices.net.listenTcp(80),
      (request) => {
        if (request.pathname === '/file') return new KilnResponse((require('fs') as typeof import('node:fs')).readFileSync('/etc/hostname'));
        return new KilnResponse(`${Buffer.from('kiln').toString('hex')} ${new URL(request.url).pathname}`);
      },
      { clock, onError: () => undefined },
    );
    await stopping;
    await server.shutdown(1000);
  },
});
