import { describe, expect, it } from 'vitest';
import { block, defineApp, fork, stack } from '../app.ts';
import { KilnResponse } from '../http/response.ts';
import { Router } from '../http/router.ts';
import { serveHttp } from '../http/server.ts';
import { MemoryBlock } from './memory-block.ts';
import { startTestApp, TestAppError } from './test-app.ts';

/** A small app: a counter kept in the first sector of its disk, served over HTTP. */
const counter = defineApp({
  name: 'counter',
  devices: { net: stack(), disk: block() },
  async start({ devices, clock, console }) {
    const sector = new Uint8Array(devices.disk.info.sectorSize);
    const router = new Router()
      .get('/count', async () => {
        await devices.disk.read(0, sector);
        return KilnResponse.json({ count: sector[0] });
      })
      .post('/count', async () => {
        await devices.disk.read(0, sector);
        sector[0]!++;
        await devices.disk.write(0, sector);
        return new KilnResponse(null, { status: 204 });
      })
      .get('/fail', () => {
        throw new Error('boom');
      });
    const server = serveHttp(await devices.net.listenTcp(80), router.handler, { clock });
    console.info('counter: listening');
    await server.closed;
    return 7;
  },
});

describe('startTestApp', () => {
  it('runs an app on test devices and answers HTTP from a peer', async () => {
    const disk = new MemoryBlock();
    const app = await startTestApp(counter, { blocks: { storage: disk } });
    expect(app.lines).toContain('[info] counter: listening');
    expect((await app.fetch('/count', { method: 'POST' })).status).toBe(204);
    expect((await app.fetch('/count', { method: 'POST' })).status).toBe(204);
    expect(await (await app.fetch('/count')).json()).toEqual({ count: 2 });
    expect(disk.storage[0]).toBe(2);
    const missing = await app.fetch('/nothing');
    expect(missing.status).toBe(404);
    const wrongMethod = await app.fetch('/count', { method: 'DELETE' });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'GET, HEAD, OPTIONS, POST']);
    expect(await app.stop()).toBe(7);
  });

  it('refuses an app that declares a device with no in-memory version, naming it', async () => {
    const forking = defineApp({ name: 'forking', devices: { fork: fork() }, start: () => 0 });
    await expect(startTestApp(forking)).rejects.toThrow(TestAppError);
    await expect(startTestApp(forking)).rejects.toThrow(/device 'fork' \(fork\) has no in-memory test device/);
  });
});
