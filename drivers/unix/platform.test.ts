import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { block, defineApp, net, pipe, stack } from '../../lib/app.ts';
import { boot, type UnixBootOptions } from './platform.ts';

let dir = '';
let disk = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-platform-'));
  disk = join(dir, 'disk.img');
  await writeFile(disk, new Uint8Array(64 * 1024));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Boots with captured output; resolves with the status and what was printed. */
async function run(app: Parameters<typeof boot>[0], argv: string[], options: UnixBootOptions = {}) {
  let stdout = '';
  let stderr = '';
  const code = await boot(app, argv, {
    env: {},
    handleSignals: false,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    ...options,
  });
  return { code, stdout, stderr };
}

const diskApp = defineApp({
  name: 'disk',
  devices: { disk: block() },
  async start({ devices, console }) {
    const { sectorSize, capacity, readOnly } = devices.disk.info;
    console.write(`sector ${sectorSize} capacity ${capacity} read-only ${readOnly}`);
    const data = new Uint8Array(sectorSize).fill(0x42);
    await devices.disk.write(capacity - sectorSize, data);
    const back = new Uint8Array(sectorSize);
    await devices.disk.read(capacity - sectorSize, back);
    return back.every((b) => b === 0x42) ? 0 : 3;
  },
});

describe('unix platform: block devices', () => {
  it('opens the file named by KILN_BLOCK_<NAME>, with its sector size', async () => {
    const result = await run(diskApp, [], { env: { KILN_BLOCK_STORAGE: disk, KILN_BLOCK_STORAGE_SECTOR_SIZE: '4096' } });
    expect(result).toEqual({ code: 0, stdout: 'sector 4096 capacity 65536 read-only false\n', stderr: '' });
  });

  it('prefers options.blockFiles to the environment', async () => {
    const result = await run(diskApp, [], { env: { KILN_BLOCK_STORAGE: '/nonexistent' }, blockFiles: { storage: disk } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('sector 512 capacity 65536 read-only false\n');
  });

  it('without a backing file: one line saying how to give one, status 2', async () => {
    expect(await run(diskApp, [])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "disk: block device 'storage': no backing file; set KILN_BLOCK_STORAGE=PATH to a regular file whose size is a whole number of sectors\n",
    });
  });

  it.each([
    [{ KILN_BLOCK_STORAGE: '/nonexistent/disk.img' }, /^disk: block device 'storage': block file \/nonexistent\/disk\.img: ENOENT/],
    [{ KILN_BLOCK_STORAGE_SECTOR_SIZE: 'big' }, /^disk: KILN_BLOCK_STORAGE_SECTOR_SIZE: expected a power of two from 512 to 65536, got 'big'\n$/],
    [{ KILN_BLOCK_STORAGE_SECTOR_SIZE: '1000' }, /^disk: block device 'storage': sector size 1000: expected a power of two/],
    [{ KILN_BLOCK_STORAGE_READ_ONLY: 'yes' }, /^disk: KILN_BLOCK_STORAGE_READ_ONLY: expected 0 or 1, got 'yes'\n$/],
    [{ KILN_BLOCK_STORAGE_FLUSH: 'pool' }, /^disk: KILN_BLOCK_STORAGE_FLUSH: expected thread-pool or calling-thread, got 'pool'\n$/],
  ])('a bad setting %o: one line, status 2', async (env, line) => {
    const result = await run(diskApp, [], { env: { KILN_BLOCK_STORAGE: disk, ...env } });
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toMatch(line);
  });

  it.each(['thread-pool', 'calling-thread'])('takes KILN_BLOCK_<NAME>_FLUSH=%s', async (flush) => {
    const result = await run(diskApp, [], { env: { KILN_BLOCK_STORAGE: disk, KILN_BLOCK_STORAGE_FLUSH: flush } });
    expect(result).toEqual({ code: 0, stdout: 'sector 512 capacity 65536 read-only false\n', stderr: '' });
  });

  it('a read-only device makes the app fail on its write, status 1', async () => {
    const result = await run(diskApp, [], { env: { KILN_BLOCK_STORAGE: disk, KILN_BLOCK_STORAGE_READ_ONLY: '1' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^disk: BlockError: block device is read-only\n\s+at /);
  });
});

describe('unix platform: network devices', () => {
  const addressApp = defineApp({
    name: 'address',
    devices: { stack: stack() },
    async start({ devices, console }) {
      const listener = await devices.stack.listenTcp(0);
      console.write(`${devices.stack.ipv4.address} ${listener.local.address}`);
    },
  });

  it('--ipv4=A/N picks the host address the stack binds', async () => {
    expect(await run(addressApp, ['--ipv4=127.0.0.7/8'])).toEqual({ code: 0, stdout: '127.0.0.7 127.0.0.7\n', stderr: '' });
  });

  it('--ipv4 that is not an address, or not the host\'s: one line, status 2', async () => {
    const bad = await run(addressApp, ['--ipv4=10.0.0.300/24']);
    expect(bad).toEqual({ code: 2, stdout: '', stderr: "address: --ipv4: expected an IPv4 address and prefix length such as 10.0.0.2/24, got '10.0.0.300/24'\n" });
    const foreign = await run(addressApp, ['--ipv4=192.0.2.200/24']);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/^address: stack 'service': --ipv4=192\.0\.2\.200: no host interface has this address; .*\n$/);
  });

  it('a raw net device is refused plainly, status 2', async () => {
    const rawApp = defineApp({ name: 'raw', devices: { wire: net() }, start: () => 0 });
    const result = await run(rawApp, []);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "raw: net device 'service': raw Ethernet is not available on unix (a Node process has no tap device); declare stack() to use the host's sockets, or run the app on hvt\n",
    );
  });

  it('SIGTERM closes the stacks, which ends the app, and boot resolves with its status', async () => {
    const serverApp = defineApp({
      name: 'server',
      devices: { stack: stack() },
      async start({ devices, console }) {
        const listener = await devices.stack.listenTcp(0, { address: '127.0.0.1' });
        console.write('listening');
        for await (const flow of listener) flow.abort();
        return 5;
      },
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const booted = boot(serverApp, [], {
      env: {},
      stdout: {
        write: (t: string) => {
          stdout += t;
          if (!signalled) {
            signalled = true;
            // Deliver SIGTERM to boot's handler as the process would, without signalling the test runner.
            setImmediate(() => process.emit('SIGTERM', 'SIGTERM'));
          }
        },
      },
      stderr: { write: (t: string) => (stderr += t) },
    });
    expect(await booted).toBe(5);
    expect(stdout).toBe('listening\n');
    expect(stderr).toBe('server: SIGTERM: stopping (closing network devices; signal again to kill)\n');
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('unix platform: exit status and console', () => {
  it('an error escaping the app prints its stack, status 1', async () => {
    const crashing = defineApp({
      name: 'crash',
      devices: {},
      start() {
        throw new TypeError('boom');
      },
    });
    const result = await run(crashing, []);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^crash: TypeError: boom\n\s+at .*platform\.test\.ts/);
  });

  it('a status outside 0-255 is an error, status 1', async () => {
    const odd = defineApp({ name: 'odd', devices: {}, start: () => 300 });
    expect(await run(odd, [])).toEqual({ code: 1, stdout: '', stderr: 'odd: start() returned 300, expected an exit status from 0 to 255\n' });
  });

  it('KILN_LOG_LEVEL sets the console level; a bad one is one line, status 2', async () => {
    const chatty = defineApp({
      name: 'chatty',
      devices: {},
      start({ console }) {
        console.debug('details');
        console.info('news');
      },
    });
    expect((await run(chatty, [], { env: { KILN_LOG_LEVEL: 'debug' } })).stdout).toBe('[debug] details\n[info] news\n');
    expect((await run(chatty, [])).stdout).toBe('[info] news\n');
    expect(await run(chatty, [], { env: { KILN_LOG_LEVEL: 'loud' } })).toEqual({
      code: 2,
      stdout: '',
      stderr: "chatty: KILN_LOG_LEVEL: expected one of debug, info, warn, error, got 'loud'\n",
    });
  });

  it('cancels the timers an app leaves behind, so the process can exit', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const leaving = defineApp({
      name: 'leaving',
      devices: {},
      start({ clock }) {
        clock.at(clock.nowMs() + 3_600_000, () => {});
      },
    });
    expect((await run(leaving, [])).code).toBe(0);
    expect(timers()).toBe(before);
  });

  it('gives an app that declared pipe() working pipes', async () => {
    const piping = defineApp({
      name: 'piping',
      devices: { pipes: pipe() },
      async start({ devices, console }) {
        const { reader, writer } = await devices.pipes.create();
        await writer.write(new TextEncoder().encode('through the pipe'));
        await writer.close();
        const got = await reader.read();
        console.write(new TextDecoder().decode(got!));
        console.write(String(await reader.read()));
        await reader.close();
      },
    });
    expect(await run(piping, [])).toEqual({ code: 0, stdout: 'through the pipe\nnull\n', stderr: '' });
  });
});
