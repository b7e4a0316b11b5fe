/**
 * Apps written as Workers, Deno and Bun write them: a module whose default
 * export is `{ fetch(request, env) }`. `fetchApp` makes it a Kiln app that
 * declares one stack device (`service`) and serves the handler there on
 * `--port=N` (default 8080) with lib/http, until the platform stops it.
 * `env` is the app's context (args, clock, random, console, devices).
 */
import { defineApp, stack, type App, type AppContext, type DeviceSpec } from './app.ts';
import { parseArgs } from './args.ts';
import { serveFetch, type StandardResponse } from './http/fetch-handler.ts';

type FetchAppDevices = { net: DeviceSpec<'stack'> };
export type FetchEnv = AppContext<FetchAppDevices>;

export interface FetchModule {
  /**
   * Called with lib/web's Request; typed loosely so that a module written
   * against another Request type (the host's, Hono's) is accepted as it is.
   */
  fetch(request: any, env: FetchEnv): StandardResponse | Promise<StandardResponse>;
}

const ARGS = { port: { type: 'int', min: 0, max: 65535, default: 8080, help: 'TCP port to serve on (0: any free port)' } } as const;

/** A module exporting `{ fetch }` and no `start`. */
export const isFetchModule = (module: unknown): module is FetchModule =>
  typeof module === 'object' &&
  module !== null &&
  typeof (module as { fetch?: unknown }).fetch === 'function' &&
  typeof (module as { start?: unknown }).start !== 'function';

export function fetchApp(module: FetchModule, name = 'fetch'): App<FetchAppDevices> {
  return defineApp({
    name,
    devices: { net: stack() },
    async start(env) {
      const { port } = parseArgs(env.args, ARGS);
      const listener = await env.devices.net.listenTcp(port);
      const server = serveFetch(listener, (request) => module.fetch(request, env), { clock: env.clock });
      env.console.info(`${name}: serving fetch on ${listener.local.address}:${listener.local.port}`);
      await server.closed;
    },
  });
}

/** The app a bundle boots: a `{ fetch }` module made an app, any other app as it is. */
export const asApp = (module: App | FetchModule): App => (isFetchModule(module) ? (fetchApp(module) as unknown as App) : (module as App));
