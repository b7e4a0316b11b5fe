import { describe, expect, it } from 'vitest';
import { VirtualSwitch } from './switch.ts';
import { VirtualClock } from './virtual-clock.ts';
import { ethernetFrame } from './frames.ts';
import { NetError } from '../devices/net.ts';
import { BROADCAST_MAC } from '../net/wire/ethernet.ts';

function collect(port: { onFrame(h: (f: Uint8Array) => void): void }): Uint8Array[] {
  const got: Uint8Array[] = [];
  port.onFrame((f) => got.push(f.slice()));
  return got;
}

const payload = (n: number, tag = 0) => Uint8Array.from({ length: n }, (_, i) => (i + tag) & 255);

describe('VirtualSwitch', () => {
  it('delivers asynchronously, never inside write', async () => {
    const sw = new VirtualSwitch();
    const a = sw.attach();
    const b = sw.attach();
    const got = collect(b);
    a.write(ethernetFrame(b.mac, a.mac, 0x88b5, payload(10)));
    expect(got).toHaveLength(0);
    await sw.settle();
    expect(got).toHaveLength(1);
  });

  it('learns where a MAC lives and stops flooding it; floods broadcast and unknown', async () => {
    const sw = new VirtualSwitch({ delivery: 'manual' });
    const [a, b, c] = [sw.attach(), sw.attach(), sw.attach()];
    const [ga, gb, gc] = [collect(a), collect(b), collect(c)];
    a.write(ethernetFrame(b.mac, a.mac, 0x88b5, payload(1)));
    sw.pump();
    expect([ga.length, gb.length, gc.length]).toEqual([0, 1, 1]);
    b.write(ethernetFrame(a.mac, b.mac, 0x88b5, payload(1)));
    sw.pump();
    expect([ga.length, gb.length, gc.length]).toEqual([1, 1, 1]);
    a.write(ethernetFrame(b.mac, a.mac, 0x88b5, payload(1)));
    a.write(ethernetFrame(BROADCAST_MAC, a.mac, 0x88b5, payload(1)));
    sw.pump();
    expect([ga.length, gb.length, gc.length]).toEqual([1, 3, 2]);
    expect(sw.counters().flooded).toBe(2);
  });

  it('floods everything in flooding mode', async () => {
    const sw = new VirtualSwitch({ delivery: 'manual', mode: 'flooding' });
    const [a, b, c] = [sw.attach(), sw.attach(), sw.attach()];
    const gc = collect(c);
    collect(b);
    b.write(ethernetFrame(a.mac, b.mac, 0x88b5, payload(1)));
    a.write(ethernetFrame(b.mac, a.mac, 0x88b5, payload(1)));
    sw.pump();
    expect(gc).toHaveLength(2);
  });

  it('checks frame sizes against the port MTU and enforces the switch MTU', () => {
    const sw = new VirtualSwitch({ delivery: 'manual', mtu: 576 });
    const a = sw.attach();
    const big = sw.attach({ mtu: 1500 });
    expect(a.mtu).toBe(576);
    expect(() => a.write(new Uint8Array(13))).toThrow(NetError);
    expect(() => a.write(new Uint8Array(14 + 577))).toThrow(/frame of 591 bytes/);
    big.write(ethernetFrame(a.mac, big.mac, 0x88b5, payload(1000)));
    expect(sw.counters().droppedMtu).toBe(1);
    a.close();
    expect(() => a.write(new Uint8Array(60))).toThrow(expect.objectContaining({ code: 'closed' }));
  });

  it('injects faults reproducibly from the seed, in the proportions asked', () => {
    const run = (seed: number) => {
      const sw = new VirtualSwitch({ delivery: 'manual', seed, loss: 0.05, duplicate: 0.05, reorder: 0.05, corrupt: 0.05 });
      const a = sw.attach();
      const b = sw.attach();
      const got = collect(b);
      for (let i = 0; i < 4000; i++) {
        const p = payload(40);
        p[0] = i >> 8;
        p[1] = i & 255;
        a.write(ethernetFrame(b.mac, a.mac, 0x0800, p));
        if (i % 100 === 99) sw.pump();
      }
      sw.pump();
      return { c: sw.counters(), got };
    };
    const one = run(42);
    const again = run(42);
    const other = run(43);
    expect(again.c).toEqual(one.c);
    expect(again.got.length).toBe(one.got.length);
    expect(again.got.every((f, i) => Buffer.compare(f, one.got[i]!) === 0)).toBe(true);
    expect(other.c).not.toEqual(one.c);
    const c = one.c;
    for (const k of ['lost', 'duplicated', 'reordered', 'corrupted'] as const) {
      expect(c[k]).toBeGreaterThan(120);
      expect(c[k]).toBeLessThan(300);
    }
    expect(one.got.length).toBe(4000 - c.lost + c.duplicated);
    // Corruption flips one bit after the Ethernet header, never in it.
    expect(one.got.every((f) => f[12] === 0x08 && f[13] === 0x00)).toBe(true);
    const order = one.got.map((f) => (f[14]! << 8) | f[15]!);
    expect(order.some((n, i) => i > 0 && n < order[i - 1]!)).toBe(true);
  });

  it('never corrupts frames without a checksum of their own (ARP)', () => {
    const sw = new VirtualSwitch({ delivery: 'manual', corrupt: 1 });
    const a = sw.attach();
    const b = sw.attach();
    const got = collect(b);
    const arp = ethernetFrame(b.mac, a.mac, 0x0806, payload(28));
    for (let i = 0; i < 100; i++) a.write(arp);
    a.write(ethernetFrame(b.mac, a.mac, 0x0800, payload(28)));
    sw.pump();
    expect(got.slice(0, 100).every((f) => f.every((byte, i) => byte === arp[i]))).toBe(true);
    expect(sw.counters().corrupted).toBe(1);
  });

  it('delays frames by latency on a virtual clock', () => {
    const clock = new VirtualClock();
    const sw = new VirtualSwitch({ clock, latencyMs: 10 });
    const a = sw.attach();
    const b = sw.attach();
    const got = collect(b);
    a.write(ethernetFrame(b.mac, a.mac, 0x88b5, payload(1)));
    clock.advance(5);
    a.write(ethernetFrame(b.mac, a.mac, 0x88b5, payload(1, 1)));
    clock.advance(4.9);
    expect(got).toHaveLength(0);
    clock.advance(0.1);
    expect(got).toHaveLength(1);
    clock.advance(5);
    expect(got.map((f) => f[14])).toEqual([0, 1]);
  });

  it('reports a receiver that throws, after delivering the rest of the batch', () => {
    const sw = new VirtualSwitch({ delivery: 'manual' });
    const a = sw.attach();
    const b = sw.attach();
    const c = sw.attach();
    b.onFrame(() => {
      throw new Error('receiver bug');
    });
    const gc = collect(c);
    a.write(ethernetFrame(BROADCAST_MAC, a.mac, 0x88b5, payload(1)));
    expect(() => sw.pump()).toThrow('receiver bug');
    expect(gc).toHaveLength(1);
  });

  it('rejects probabilities outside 0-1', () => {
    expect(() => new VirtualSwitch({ loss: 1.5 })).toThrow(/loss must be a probability/);
    expect(() => new VirtualSwitch({ latencyMs: 1 })).toThrow(/needs a clock/);
  });
});
