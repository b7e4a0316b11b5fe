/**
 * Runs a whole app in a unit test, as it would run in an image: its declared
 * devices are test devices (a TypeScript stack on an in-memory switch for
 * each `stack()`, a switch port for each `net()`, a MemoryBlock for each
 * `block()`), time is a VirtualClock, and a peer stack on the same switch
 * plays the client. Nothing touches the host, so tests are exact and fast.
 *
 *     const running = await startTestApp(app, { args: ['--port=80'] });
 *     const response = await running.fetch('/notes/1', { method: 'PUT', body: 'hi' });
 *     expect(response.status).toBe(201);
 *     expect(await running.stop()).toBe(0);
 *
 * Pipes and forks have no in-memory devices: an app declaring them is
 * tested with the unix platform (drivers/unix/platform.ts `boot`) instead.
 */
import { stopRequest, type App, type DeviceDeclaration, type DevicesOf } from '../app.ts';
import { consoleOver } from '../devices/console.ts';
import { HttpClient, type HttpRequestOptions } from '../http/client.ts';
import { KilnResponse } from '../http/response.ts';
import { createStack, type NetStack } from '../net/stack.ts';
import { guardImageGlobals, type ImageGlobalError } from './image-globals.ts';
import { MemoryBlock } from './memory-block.ts';
import { SeededRandom } from './seeded-random.ts';
import { VirtualSwitch, type SwitchOptions } from './switch.ts';
import { VirtualClock } from './virtual-clock.ts';

export interface TestAppOptions {
  /** The app's boot arguments. */
  args?: string[];
  /** Faults and capture on the switch (loss, reordering, pcap, ...). */
  network?: SwitchOptions;
  /** Block devices by name (default: a fresh 1 MiB MemoryBlock each). */
  blocks?: Record<string, MemoryBlock>;
  /** Seeds the app's Random (default 1). */
  seed?: number;
  /**
   * The globals the app may use: `image` (default) only those a Kiln image
   * has, so a Node-only one (process, global, require('fs'), ...) fails the
   * test with an ImageGlobalError naming it; `node` all of Node's.
   */
  globals?: 'image' | 'node';
}

export interface RunningTestApp<D extends DeviceDeclaration> {
  clock: VirtualClock;
  sw: VirtualSwitch;
  /** The devices the app received. */
  devices: DevicesOf<D>;
  /** The app's address: 10.0.0.2 (its first stack). */
  address: string;
  /** A stack at 10.0.0.254 on the same switch, for clients. */
  peer: NetStack;
  /** Every console line so far, as `[level] text`. */
  lines: string[];
  /** Moves frames and time until `work` settles (time jumps only when the network is quiet). */
  run<T>(work: Promise<T>): Promise<T>;
  /** An HTTP request from the peer to the app (`path` on the app's address, or a whole URL), body read. */
  fetch(pathOrUrl: string, init?: HttpRequestOptions): Promise<KilnResponse>;
  /**
   * Asks the app to stop (its stacks close, as on SIGTERM) and resolves with
   * its exit status; rejects with the first ImageGlobalError if the app
   * reached for a global its image would not have had.
   */
  stop(): Promise<number>;
}

export class TestAppError extends Error {
  override name = 'TestAppError';
}

const PEER = '10.0.0.254';

/** Quiet microtask turns before the network counts as idle: parsing a large body is a long chain of jobs with no frame. */
const QUIET_TURNS = 2_000;
const MAX_TIMER_STEPS = 100_000;

export async function startTestApp<D extends DeviceDeclaration>(app: App<D>, options: TestAppOptions = {}): Promise<RunningTestApp<D>> {
  const clock = new VirtualClock();
  const sw = new VirtualSwitch({ clock, ...options.network });
  const random = new SeededRandom(options.seed ?? 1);
  const devices: Record<string, unknown> = {};
  const stacks: NetStack[] = [];
  const stackByName = new Map<string, NetStack>();
  for (const [key, spec] of Object.entries(app.devices)) {
    switch (spec.kind) {
      case 'stack': {
        let stack = stackByName.get(spec.name);
        if (!stack) {
          const address = `10.0.0.${2 + stackByName.size}`;
          stack = await createStack({ net: sw.attach(), clock, random, config: { args: [`--ipv4=${address}/24`] } });
          stackByName.set(spec.name, stack);
          stacks.push(stack);
        }
        devices[key] = stack;
        break;
      }
      case 'net':
        devices[key] = sw.attach();
        break;
      case 'block':
        devices[key] = options.blocks?.[spec.name] ?? new MemoryBlock();
        break;
      case 'pipe':
      case 'fork':
        throw new TestAppError(
          `${app.name}: device '${key}' (${spec.kind}) has no in-memory test device; test this app with the unix platform (drivers/unix/platform.ts boot)`,
        );
    }
  }
  const peer = await createStack({ net: sw.attach(), clock, random: new SeededRandom(0x7e57), config: { args: [`--ipv4=${PEER}/24`] } });
  const lines: string[] = [];
  const console = consoleOver((line) => lines.push(line), 'debug');

  const run = async <T>(work: Promise<T>): Promise<T> => {
    let done = false;
    work.then(
      () => (done = true),
      () => (done = true),
    );
    for (let step = 0; step < MAX_TIMER_STEPS; step++) {
      await sw.settle(QUIET_TURNS);
      if (done) return work;
      const next = clock.nextDeadlineMs();
      if (next === null) throw new TestAppError(`${app.name}: the work is still pending, but no frame or timer is left (a deadlock)`);
      clock.advanceTo(Math.max(next, clock.nowMs()));
    }
    throw new TestAppError(`${app.name}: the work did not finish within ${MAX_TIMER_STEPS} timer steps`);
  };

  const { stopping, request } = stopRequest();
  const imageGlobalUses: ImageGlobalError[] = [];
  const unguard = options.globals === 'node' ? () => undefined : guardImageGlobals((error) => imageGlobalUses.push(error));
  const exit = (async () => app.start({ devices: devices as DevicesOf<D>, args: options.args ?? [], clock, random, console, stopping }))().then(
    (code) => code ?? 0,
  );
  // Let the app start listening before the test talks to it.
  try {
    await run(Promise.race([exit, Promise.resolve()]));
  } catch (err) {
    unguard();
    throw err;
  }

  const address = stacks.length > 0 ? '10.0.0.2' : PEER;
  const client = new HttpClient(peer, { clock, timeoutMs: 60_000 });
  return {
    clock,
    sw,
    devices: devices as DevicesOf<D>,
    address,
    peer,
    lines,
    run,
    fetch: async (pathOrUrl, init) => {
      const url = pathOrUrl.startsWith('/') ? `http://${address}${pathOrUrl}` : pathOrUrl;
      const response = await run(client.request(url, init));
      const body = response.body === null ? null : await run(response.bytes());
      return KilnResponse.fromWire(response.status, response.statusText, response.headers, body);
    },
    stop: async () => {
      request('stop');
      await run(client.close());
      await run(Promise.allSettled([...stacks, peer].map((stack) => stack.close())));
      try {
        const code = await run(exit);
        if (imageGlobalUses.length > 0) throw imageGlobalUses[0];
        return code;
      } finally {
        unguard();
      }
    },
  };
}
