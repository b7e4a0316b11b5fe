import { describe, expect, it } from 'vitest';
import { consoleOver } from '../../lib/devices/console.ts';
import type { Flow } from '../../lib/devices/flow.ts';
import { SeededRandom, VirtualClock, VirtualSwitch, createStack, drive } from '../../lib/testing/index.ts';
import { createUnixStack } from '../../drivers/unix/stack.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { boot } from '../../drivers/unix/platform.ts';
import echo from './app.ts';
import { stopRequest } from '../../lib/app.ts';

/** A console sink that can wait for a line matching a pattern. */
function lineWatcher() {
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  const write = (text: string): void => {
    lines.push(...text.split('\n').filter((l) => l !== ''));
    wake?.();
  };
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      for (const line of lines) {
        const m = pattern.exec(line);
        if (m) return m;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  return { lines, write, waitFor };
}

async function roundTrip(flow: Flow, data: Uint8Array): Promise<Uint8Array> {
  const [, echoed] = await Promise.all([
    (async () => {
      for (let at = 0; at < data.length; at += 10_000) await flow.write(data.subarray(at, at + 10_000));
      await flow.shutdown();
    })(),
    (async () => {
      const parts: Uint8Array[] = [];
      for await (const chunk of flow) parts.push(chunk.slice());
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
      return all;
    })(),
  ]);
  await flow.close();
  return echoed;
}

/** Index of the first byte where `a` and `b` differ (or the shorter length), -1 when equal; toEqual is slow on large arrays. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('examples/echo', () => {
  it('echoes every client byte-exact, several at once, and stops when its stack closes', async () => {
    const server = createUnixStack();
    const client = createUnixStack();
    const watch = lineWatcher();
    const running = echo.start({
      devices: { stack: server },
      args: ['--port=0'],
      clock: new VirtualClock(),
      random: unixRandom,
      console: consoleOver(watch.write),
      stopping: stopRequest().stopping,
    });
    const port = Number((await watch.waitFor(/^\[info\] echo: listening on 0\.0\.0\.0:(\d+)$/))[1]);
    const sizes = [1, 1000, 300_000, 0];
    const echoed = await Promise.all(
      sizes.map(async (size, i) => roundTrip(await client.connectTcp('127.0.0.1', port), bytes(size, i))),
    );
    sizes.forEach((size, i) => expect(firstDifference(echoed[i]!, bytes(size, i)), `client ${i}`).toBe(-1));
    const idle = await client.connectTcp('127.0.0.1', port);
    await server.close();
    await expect(running).resolves.toBeUndefined();
    expect(await idle.read()).toBeNull();
    expect(watch.lines.at(-1)).toBe('[info] echo: stopped');
    await client.close();
  });

  it('echoes over the TypeScript stack on the in-memory switch, in virtual time', async () => {
    const clock = new VirtualClock();
    const sw = new VirtualSwitch();
    const stackAt = (cidr: string, seed: number) =>
      createStack({ net: sw.attach(), clock, random: new SeededRandom(seed), config: { args: [`--ipv4=${cidr}`] } });
    const [server, client] = await Promise.all([stackAt('10.0.0.2/24', 1), stackAt('10.0.0.3/24', 2)]);
    const watch = lineWatcher();
    const running = echo.start({
      devices: { stack: server },
      args: ['--port=7', '--ipv4=10.0.0.2/24'],
      clock,
      random: new SeededRandom(3),
      console: consoleOver(watch.write),
      stopping: stopRequest().stopping,
    });
    const data = bytes(200_000, 9);
    const echoed = await drive(clock, sw, (async () => roundTrip(await client.connectTcp('10.0.0.2', 7), data))());
    expect(firstDifference(echoed, data)).toBe(-1);
    expect(watch.lines[0]).toBe('[info] echo: listening on 0.0.0.0:7');
    await server.close();
    await drive(clock, sw, Promise.resolve(running));
    expect(watch.lines.at(-1)).toBe('[info] echo: stopped');
    await client.close();
  });

  it('rejects a bad port with an ArgError naming --port', async () => {
    const start = echo.start({
      devices: { stack: createUnixStack() },
      args: ['--port=70000'],
      clock: new VirtualClock(),
      random: unixRandom,
      console: consoleOver(() => {}),
      stopping: stopRequest().stopping,
    });
    await expect(start).rejects.toThrow("--port: expected an integer from 0 to 65535, got '70000'");
  });

  it('serves on the unix platform until stopped, then exits 0', async () => {
    const watch = lineWatcher();
    const stderr = lineWatcher();
    const stop = new AbortController();
    const booted = boot(echo, ['--port=0'], { stdout: watch, stderr, stop: stop.signal, handleSignals: false, env: {} });
    const port = Number((await watch.waitFor(/listening on 0\.0\.0\.0:(\d+)$/))[1]);
    const client = createUnixStack();
    expect(new TextDecoder().decode(await roundTrip(await client.connectTcp('127.0.0.1', port), bytes(5, 0).fill(65)))).toBe('AAAAA');
    stop.abort();
    expect(await booted).toBe(0);
    expect(stderr.lines).toEqual([]);
    await client.close();
  });

  it('exits 2 with one line for a bad --port on the unix platform', async () => {
    const watch = lineWatcher();
    const stderr = lineWatcher();
    const code = await boot(echo, ['--port=x'], { stdout: watch, stderr, handleSignals: false, env: {} });
    expect(code).toBe(2);
    expect(stderr.lines).toEqual(["echo: --port: expected an integer from 0 to 65535, got 'x'"]);
  });
});
