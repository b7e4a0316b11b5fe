import { afterEach, describe, expect, it } from 'vitest';
import { SocatNet } from './socat-net.ts';
import { createUnixClock } from '../../drivers/unix/clock.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { createStack } from '../../lib/net/stack.ts';
import type { Stack } from '../../lib/devices/stack.ts';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

describe('SocatNet', () => {
  it('carries one frame per datagram and counts it', async () => {
    const [a, b] = await SocatNet.loopbackPair();
    open.push(a, b);
    const got = new Promise<Uint8Array>((resolve) => b.onFrame((f) => resolve(f.slice())));
    const frame = Uint8Array.from({ length: 1514 }, (_, i) => i & 255);
    a.write(frame);
    frame.fill(0); // the driver sent a copy
    expect([...(await got)].slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a.counters()).toMatchObject({ txFrames: 1, txBytes: 1514 });
    expect(b.counters()).toMatchObject({ rxFrames: 1, rxBytes: 1514 });
    expect(a.mac[0]! & 3).toBe(2);
  });

  it('refuses bad frames and bad ports with typed errors, and writes after close', async () => {
    const [a, b] = await SocatNet.loopbackPair();
    open.push(b);
    expect(() => a.write(new Uint8Array(13))).toThrow(expect.objectContaining({ code: 'frame-size' }));
    expect(() => a.write(new Uint8Array(1515))).toThrow(expect.objectContaining({ code: 'frame-size' }));
    a.close();
    expect(() => a.write(new Uint8Array(60))).toThrow(expect.objectContaining({ code: 'closed' }));
    await expect(SocatNet.open({ localPort: 1, remotePort: 0 })).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('joins two TypeScript stacks in real time: ping and UDP', async () => {
    const [na, nb] = await SocatNet.loopbackPair();
    const clock = createUnixClock();
    const a: Stack = await createStack({ net: na, clock, random: unixRandom, config: { args: ['--ipv4=10.9.0.1/24'] } });
    const b: Stack = await createStack({ net: nb, clock, random: unixRandom, config: { args: ['--ipv4=10.9.0.2/24'] } });
    open.push(a, b, clock);
    const reply = await a.ping('10.9.0.2', { payloadSize: 1000, timeoutMs: 5000 });
    expect(reply).toMatchObject({ from: '10.9.0.2', payloadSize: 1000 });
    const rx = await b.bindUdp(7);
    await (await a.bindUdp(0)).send(new Uint8Array([9, 8, 7]), { address: '10.9.0.2', port: 7 });
    expect([...(await rx.receive()).data]).toEqual([9, 8, 7]);
  });
});
