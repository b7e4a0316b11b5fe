/**
 * TCP echo (RFC 862): every byte a client sends comes back, until the client
 * shuts its side down. Serves any number of clients at once, each at the pace
 * it reads (a client that does not read stops its own echo, not the others).
 * Runs until its stack is closed (SIGINT/SIGTERM on unix).
 */
import { defineApp, parseArgs, stack, type Console, type Flow } from '../../lib/index.ts';

const ARGS = {
  port: { type: 'int', min: 0, max: 65535, default: 7, help: 'TCP port to echo on (0: any free port)' },
} as const;

async function echo(flow: Flow, console: Console): Promise<void> {
  const peer = `${flow.remote.address}:${flow.remote.port}`;
  let bytes = 0;
  try {
    for await (const chunk of flow) {
      await flow.write(chunk);
      bytes += chunk.length;
    }
    await flow.close();
    console.debug(`echo: ${peer}: done after ${bytes} bytes`);
  } catch (err) {
    flow.abort();
    console.warn(`echo: ${peer}: ${err instanceof Error ? err.message : String(err)} after ${bytes} bytes`);
  }
}

export default defineApp({
  name: 'echo',
  devices: { stack: stack() },
  async start({ devices, args, console }) {
    const { port } = parseArgs(args, ARGS);
    const listener = await devices.stack.listenTcp(port);
    console.info(`echo: listening on ${listener.local.address}:${listener.local.port}`);
    const sessions = new Set<Promise<void>>();
    for await (const flow of listener) {
      const session: Promise<void> = echo(flow, console).finally(() => sessions.delete(session));
      sessions.add(session);
    }
    await Promise.all(sessions);
    console.info('echo: stopped');
  },
});
