// The stack a forked child gets anew (forked-stack.ts), over a fake device
// and fake stacks: the parent's copy is cut off the device and closed, the
// child's own is built without the parent's static address, and a child
// without a tap (or without a DHCP lease) gets typed errors.
import { describe, expect, it } from 'vitest';

import { NetError, emptyNetCounters, type FrameHandler, type Net } from '../../lib/devices/net.ts';
import { StackError, type Stack } from '../../lib/devices/stack.ts';
import { childArgs, createForkableStack } from './forked-stack.ts';
import type { Solo5Net } from './net.ts';

function fakeNet(): Solo5Net & { sent: Uint8Array[]; deliver(frame: Uint8Array): void } {
  let handler: FrameHandler | null = null;
  const sent: Uint8Array[] = [];
  return {
    sent,
    mac: new Uint8Array([2, 0, 0, 0, 0, 1]),
    mtu: 1500,
    write: (frame) => void sent.push(frame),
    onFrame: (h) => void (handler = h),
    counters: emptyNetCounters,
    close: () => {},
    adoptChild: () => true,
    poolTap: 0,
    deliver: (frame) => handler?.(frame),
  };
}

/** A stand-in stack that records what it saw and sends one frame per ping. */
function fakeStack(net: Net, args: readonly string[], log: string[]): Stack {
  const received: number[] = [];
  net.onFrame((frame) => void received.push(frame[0]!));
  return {
    // Only the address matters here (the rest of Ipv4Config is the stack's business).
    ipv4: { address: args.length ? 'static' : 'dhcp' } as Stack['ipv4'],
    listenTcp: () => Promise.reject(new Error('unused')),
    connectTcp: () => Promise.reject(new Error('unused')),
    bindUdp: () => Promise.reject(new Error('unused')),
    ping: async () => {
      net.write(new Uint8Array([args.length]));
      return { from: 'x', sequence: 0, payloadSize: 0, rttMs: received.length };
    },
    counters: () => ({ fake: { received: received.length } }),
    close: async () => void log.push(`closed ${args.join(' ') || 'dhcp'}`),
  };
}

describe('a stack device across a fork (hvt)', () => {
  it('cuts the parent copy off, closes it and builds the child its own without --ipv4', async () => {
    const net = fakeNet();
    const log: string[] = [];
    const built: string[][] = [];
    const forkable = await createForkableStack('service', net, ['--ipv4=10.0.0.2/24', '--ipv4-gateway=10.0.0.1', '--port=80'], async (port, args) => {
      built.push([...args]);
      return fakeStack(port, args, log);
    });
    const { stack } = forkable;
    await stack.ping('10.0.0.1');
    expect(net.sent).toHaveLength(1);
    expect(stack.ipv4.address).toBe('static');

    forkable.detach();
    await Promise.resolve();
    expect(log).toEqual(['closed --ipv4=10.0.0.2/24 --ipv4-gateway=10.0.0.1 --port=80']);
    await forkable.rebuildInChild(true);
    expect(built[1]).toEqual(['--port=80']);
    net.deliver(new Uint8Array([7]));
    // The app's reference now reaches the child's stack, which alone gets frames.
    expect(stack.counters()).toEqual({ fake: { received: 1 } });
    await stack.ping('10.0.0.1');
    expect(net.sent.map((f) => f[0])).toEqual([3, 1]);
  });

  it("makes every call of a child without a tap fail with NetError('unavailable')", async () => {
    const net = fakeNet();
    const forkable = await createForkableStack('service', net, [], async (port, args) => fakeStack(port, args, []));
    forkable.detach();
    await forkable.rebuildInChild(false);
    const { stack } = forkable;
    for (const call of [() => stack.ping('10.0.0.1'), () => stack.listenTcp(80), () => stack.connectTcp('10.0.0.1', 80), () => stack.bindUdp(53)]) {
      await expect(call()).rejects.toSatisfy((err: unknown) => err instanceof NetError && err.code === 'unavailable');
    }
    expect(() => stack.ipv4).toThrow(NetError);
    expect(stack.counters()).toEqual({});
    await expect(stack.close()).resolves.toBeUndefined();
    expect(net.sent).toHaveLength(0);
  });

  it("gives a child whose DHCP found no server a stack that fails with that error", async () => {
    const net = fakeNet();
    let builds = 0;
    const forkable = await createForkableStack('service', net, [], async (port, args) => {
      if (builds++ > 0) throw new StackError('timed-out', 'no DHCP lease in 60000 ms');
      return fakeStack(port, args, []);
    });
    forkable.detach();
    await forkable.rebuildInChild(true);
    await expect(forkable.stack.ping('10.0.0.1')).rejects.toSatisfy((err: unknown) => err instanceof StackError && err.code === 'timed-out');
  });

  it("gives a child on the pool's n-th tap the n-th address of --fork-ipv4, with the parent's gateway", () => {
    const parent = ['--ipv4=10.0.0.2/24', '--ipv4-gateway=10.0.0.1', '--fork-ipv4=10.0.0.100/24', '--port=80'];
    expect(childArgs(parent, 1)).toEqual(['--port=80', '--ipv4=10.0.0.100/24', '--ipv4-gateway=10.0.0.1']);
    expect(childArgs(parent, 3)).toEqual(['--port=80', '--ipv4=10.0.0.102/24', '--ipv4-gateway=10.0.0.1']);
    // No pool tap, or no range: DHCP, as before.
    expect(childArgs(parent, 0)).toEqual(['--port=80']);
    expect(childArgs(['--ipv4=10.0.0.2/24', '--port=80'], 2)).toEqual(['--port=80']);
    expect(() => childArgs(['--fork-ipv4=10.0.0.300/24'], 1)).toThrow('--fork-ipv4=10.0.0.300/24: expected A/N');
    expect(() => childArgs(['--fork-ipv4=255.255.255.255/24'], 2)).toThrow("the pool's tap 2 has no address");
  });
});
