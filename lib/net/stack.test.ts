import { describe, expect, it } from 'vitest';
import { createStack, staticIpv4FromArgs, tcpOptionsForHeap } from './stack.ts';
import { VirtualClock } from '../testing/virtual-clock.ts';
import { VirtualSwitch } from '../testing/switch.ts';
import { SeededRandom } from '../testing/seeded-random.ts';
import { stackPair } from '../testing/stack-fixtures.ts';
import { drive } from '../testing/drive.ts';
import { ArgError } from '../args.ts';
import { parseIpv4 } from '../ipv4-text.ts';
import type { Flow } from '../devices/flow.ts';

const pair = () => stackPair({}, {}, { args: ['--ipv4=10.0.0.3/24', '--ipv4-gateway=10.0.0.1'] });

async function readAll(flow: Flow): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of flow) parts.push(chunk);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('static configuration from boot arguments', () => {
  it('takes --ipv4 and --ipv4-gateway and ignores the app’s own arguments', () => {
    expect(staticIpv4FromArgs(['--port=7', '--ipv4=10.1.2.3/16', '--ipv4-gateway=10.1.0.1', '--verbose'])).toEqual({
      address: parseIpv4('10.1.2.3'),
      prefix: 16,
      gateway: parseIpv4('10.1.0.1'),
    });
    expect(staticIpv4FromArgs(['--port=7'])).toBeNull();
  });

  it.each([
    [['--ipv4=10.0.0.300/24'], /--ipv4: expected an IPv4 address and prefix/],
    [['--ipv4=10.0.0.2/33'], /--ipv4: expected/],
    [['--ipv4=10.0.0.2'], /--ipv4: expected/],
    [['--ipv4-gateway=10.0.0.1'], /needs --ipv4=A\/N/],
    [['--ipv4=10.0.0.2/24', '--ipv4-gateway=10.9.0.1'], /not inside 10.0.0.2\/24/],
    [['--ipv4=0.0.0.0/0'], /cannot be an interface address/],
  ])('rejects %j with one clear line', (args, message) => {
    expect(() => staticIpv4FromArgs(args)).toThrow(ArgError);
    expect(() => staticIpv4FromArgs(args)).toThrow(message);
  });

  it('sizes TCP buffers to the heap: the defaults from 16 MiB, smaller below; a memory budget of half the heap', () => {
    const MiB = 1024 * 1024;
    expect(tcpOptionsForHeap(64 * MiB)).toEqual({ sendBufferSize: 131072, receiveBufferSize: 131072, memoryBytes: 32 * MiB });
    expect(tcpOptionsForHeap(16 * MiB)).toEqual({ sendBufferSize: 131072, receiveBufferSize: 131072, memoryBytes: 8 * MiB });
    expect(tcpOptionsForHeap(13 * MiB)).toEqual({ sendBufferSize: 32768, receiveBufferSize: 32768, memoryBytes: 6.5 * MiB });
    expect(tcpOptionsForHeap(5 * MiB)).toEqual({ sendBufferSize: 16384, receiveBufferSize: 16384, memoryBytes: 2.5 * MiB });
    expect(tcpOptionsForHeap(1 * MiB)).toEqual({ sendBufferSize: 8192, receiveBufferSize: 8192, memoryBytes: 0.5 * MiB });
    expect(tcpOptionsForHeap(0).sendBufferSize).toBe(8192);
  });

  it('refuses an interface whose MTU cannot carry IPv4', async () => {
    const sw = new VirtualSwitch({ mtu: 60 });
    await expect(
      createStack({ net: sw.attach(), clock: new VirtualClock(), random: new SeededRandom(1), config: { args: ['--ipv4=10.0.0.2/24'] } }),
    ).rejects.toMatchObject({ code: 'unsupported', message: expect.stringMatching(/MTU is 60; IPv4 needs 68/) });
  });

  it('reports its configuration', async () => {
    const { a, b } = await pair();
    expect(a.ipv4).toEqual({ address: '10.0.0.2', prefix: 24, gateway: null, source: 'static', dnsServers: [] });
    expect(b.ipv4).toEqual({ address: '10.0.0.3', prefix: 24, gateway: '10.0.0.1', source: 'static', dnsServers: [] });
  });
});

describe('Stack over the interface layer', () => {
  it('carries a TCP exchange both ways between two stacks', async () => {
    const { clock, sw, a, b } = await pair();
    const listener = await b.listenTcp(7);
    const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7 + 3) & 255);
    const server = (async () => {
      const flow = await listener.accept();
      const got = await readAll(flow);
      await flow.write(got);
      await flow.shutdown();
      return got.length;
    })();
    const client = (async () => {
      const flow = await a.connectTcp('10.0.0.3', 7);
      expect(flow.remote).toEqual({ address: '10.0.0.3', port: 7 });
      expect(flow.local.address).toBe('10.0.0.2');
      const echoed = readAll(flow);
      await flow.write(data);
      await flow.shutdown();
      return echoed;
    })();
    const echoed = await drive(clock, sw, client);
    expect(await drive(clock, sw, server)).toBe(data.length);
    expect(Buffer.compare(echoed, data)).toBe(0);
    const c = a.counters();
    expect(Object.keys(c).sort()).toEqual(['arp', 'ethernet', 'icmp', 'ipv4', 'tcp', 'udp']);
    expect(c.ipv4!['tx']).toBeGreaterThan(200);
    await listener.close();
  });

  it('drops a frame whose handling runs out of memory, and TCP recovers once memory is back', async () => {
    const { clock, sw, a, b } = await pair();
    const listener = await b.listenTcp(7);
    // As QuickJS reports a failed allocation: the SYN and the first data segments meet a full heap.
    const input = b.tcp.input.bind(b.tcp);
    let failures = 3;
    b.tcp.input = (src, dst, bytes, start, end) => {
      if (failures === 0) return input(src, dst, bytes, start, end);
      failures--;
      const err = new Error('out of memory');
      err.name = 'InternalError';
      throw err;
    };
    const data = Uint8Array.from({ length: 5000 }, (_, i) => i & 255);
    const server = (async () => readAll(await listener.accept()))();
    const client = (async () => {
      const flow = await a.connectTcp('10.0.0.3', 7);
      await flow.write(data);
      await flow.close();
    })();
    await drive(clock, sw, client);
    expect(Buffer.compare(await drive(clock, sw, server), data)).toBe(0);
    expect(b.counters().ethernet!['rx.dropped.out-of-memory']).toBe(3);
    expect(a.counters().tcp!['retransmits']).toBeGreaterThan(0);
  });


  it('talks to itself through its own address and 127.0.0.1, never on the wire', async () => {
    const { clock, sw, a } = await pair();
    const written = sw.counters().written;
    for (const self of ['10.0.0.2', '127.0.0.1']) {
      expect(await drive(clock, sw, a.ping(self, { payloadSize: 2000 }))).toMatchObject({ from: self, payloadSize: 2000, rttMs: 0 });
      const rx = await a.bindUdp(0);
      await (await a.bindUdp(0)).send(new Uint8Array([7]), { address: self, port: rx.local.port });
      expect([...(await drive(clock, sw, rx.receive())).data]).toEqual([7]);
      const listener = await a.listenTcp(0, { address: self });
      const accepted = listener.accept();
      const flow = await drive(clock, sw, a.connectTcp(self, listener.local.port));
      const peer = await drive(clock, sw, accepted);
      await flow.write(new Uint8Array([1, 2, 3]));
      expect([...((await drive(clock, sw, peer.read())) ?? [])]).toEqual([1, 2, 3]);
      flow.abort();
      await listener.close();
    }
    expect(sw.counters().written).toBe(written);
  });

  it('gets connection refused from a closed port, and checks arguments', async () => {
    const { clock, sw, a } = await pair();
    await expect(drive(clock, sw, a.connectTcp('10.0.0.3', 9))).rejects.toMatchObject({ code: 'refused' });
    await expect(a.connectTcp('10.0.0.x', 9)).rejects.toMatchObject({ code: 'invalid-address' });
    await expect(a.connectTcp('10.0.0.3', 0)).rejects.toMatchObject({ code: 'invalid-address' });
    await expect(a.connectTcp('192.0.2.1', 80)).rejects.toMatchObject({ code: 'unreachable' });
    await expect(a.listenTcp(80, { address: '10.0.0.77' })).rejects.toMatchObject({ code: 'invalid-address' });
    await a.listenTcp(80);
    await expect(a.listenTcp(80)).rejects.toMatchObject({ code: 'address-in-use' });
  });

  it('closes every socket and refuses use afterwards', async () => {
    const { a } = await pair();
    const sock = await a.bindUdp(5);
    const pending = sock.receive();
    await a.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    await expect(a.bindUdp(6)).rejects.toMatchObject({ code: 'closed' });
    await expect(a.ping('10.0.0.3')).rejects.toMatchObject({ code: 'closed' });
    await a.close();
  });
});
