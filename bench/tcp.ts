/**
 * TCP throughput of the TypeScript stack on Node: two stacks (Ethernet, ARP,
 * IPv4, TCP) joined by the in-memory switch move a stream between them, on a
 * virtual clock so that only processing time counts.
 *
 * Baseline: the same stream between two Node sockets over the host's
 * loopback (Linux's TCP in the kernel), in the same process. The ratio shows
 * how far the stack is from the host's TCP; small writes with no-delay show
 * the per-segment cost, since every write then becomes a segment. The
 * stack's side runs on a virtual clock (its timers never wait), Linux's in
 * real time.
 */
import { createServer, connect as connectSocket, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Benchmark, BenchCase, Side } from './benchmark.ts';
import type { Flow } from '../lib/devices/flow.ts';
import { createStack } from '../lib/net/stack.ts';
import { drive } from '../lib/testing/drive.ts';
import { SeededRandom } from '../lib/testing/seeded-random.ts';
import { VirtualClock } from '../lib/testing/virtual-clock.ts';
import { VirtualSwitch } from '../lib/testing/switch.ts';

const MB = 1024 * 1024;

export interface Shape {
  label: string;
  /** Bytes each sending side writes. */
  bytes: number;
  /** Size of each write. */
  writeSize: number;
  bothWays: boolean;
  noDelay: boolean;
}

export async function writeAll(write: (chunk: Uint8Array) => Promise<void>, total: number, size: number): Promise<void> {
  const chunk = new Uint8Array(size).fill(0x5a);
  for (let sent = 0; sent < total; sent += size) await write(chunk.subarray(0, Math.min(size, total - sent)));
}

async function flowSide(flow: Flow, shape: Shape, sends: boolean): Promise<number> {
  const writing = sends ? writeAll((c) => flow.write(c), shape.bytes, shape.writeSize).then(() => flow.shutdown()) : flow.shutdown();
  let got = 0;
  for await (const chunk of flow) got += chunk.length;
  await writing;
  await flow.close();
  return got;
}

/** One transfer between two fresh stacks; returns MB/s of wall time. */
async function kilnTransfer(shape: Shape): Promise<number> {
  const clock = new VirtualClock();
  const sw = new VirtualSwitch();
  const tcp = { noDelay: shape.noDelay, receiveBufferSize: 256 * 1024, sendBufferSize: 256 * 1024 };
  const a = await createStack({ net: sw.attach(), clock, random: new SeededRandom(1), config: { args: ['--ipv4=10.0.0.2/24'], tcp } });
  const b = await createStack({ net: sw.attach(), clock, random: new SeededRandom(2), config: { args: ['--ipv4=10.0.0.3/24'], tcp } });
  const listener = await b.listenTcp(5001);
  const start = performance.now();
  const work = Promise.all([
    listener.accept().then((f) => flowSide(f, shape, shape.bothWays)),
    a.connectTcp('10.0.0.3', 5001, { noDelay: shape.noDelay }).then((f) => flowSide(f, shape, true)),
  ]);
  const [server] = await drive(clock, sw, work);
  const seconds = (performance.now() - start) / 1000;
  await a.close();
  await b.close();
  if (server !== shape.bytes) throw new Error(`kiln: received ${server} of ${shape.bytes} bytes`);
  return ((shape.bothWays ? 2 : 1) * shape.bytes) / MB / seconds;
}

/** Resolves once the socket takes `chunk` (at once, or at its next 'drain'). */
export function writeSocket(socket: Socket, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.write(chunk)) return resolve();
    const drained = (): void => {
      socket.off('error', failed);
      resolve();
    };
    const failed = (err: Error): void => {
      socket.off('drain', drained);
      reject(err);
    };
    socket.once('drain', drained).once('error', failed);
  });
}

export function socketSide(socket: Socket, shape: Shape, sends: boolean): Promise<number> {
  socket.setNoDelay(shape.noDelay);
  let got = 0;
  const received = new Promise<number>((resolve, reject) => {
    socket.on('data', (d: Buffer) => (got += d.length));
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
  });
  const writing = sends ? writeAll((c) => writeSocket(socket, c), shape.bytes, shape.writeSize) : Promise.resolve();
  return writing.then(() => {
    socket.end();
    return received;
  });
}

/**
 * A connected pair of loopback sockets that half-close as Kiln's flows do:
 * with Node's default (allowHalfOpen off) a side whose peer shut down first
 * ends its own writing too, and a write waiting for 'drain' then waits forever.
 */
export async function loopbackPair(): Promise<{ server: Socket; client: Socket; close: () => void }> {
  const listener = createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve));
  const port = (listener.address() as AddressInfo).port;
  const client = connectSocket({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  return { server: await accepted, client, close: () => listener.close() };
}

/** The same transfer between two loopback sockets; returns MB/s. */
export async function loopbackTransfer(shape: Shape): Promise<number> {
  const pair = await loopbackPair();
  const start = performance.now();
  const [got] = await Promise.all([socketSide(pair.server, shape, shape.bothWays), socketSide(pair.client, shape, true)]);
  const seconds = (performance.now() - start) / 1000;
  pair.close();
  if (got !== shape.bytes) throw new Error(`loopback: received ${got} of ${shape.bytes} bytes`);
  return ((shape.bothWays ? 2 : 1) * shape.bytes) / MB / seconds;
}

function shapeCase(shape: Shape): BenchCase {
  const kiln: Side = { name: 'kiln TCP, in-memory switch', measure: () => kilnTransfer(shape) };
  const baseline: Side = { name: 'Linux TCP, loopback sockets', measure: () => loopbackTransfer(shape) };
  return { label: shape.label, kiln, baseline };
}

export const tcpBenchmark: Benchmark = {
  name: 'tcp',
  title: 'TCP bulk transfer between two TypeScript stacks on Node, against Linux TCP over loopback',
  unit: 'MB/s',
  better: 'higher',
  missing: async () => null,
  cases: async (mode) => {
    // Long enough to be steady (2 MB runs were mostly JIT warm-up), after an untimed warm-up of both sides.
    const bulk = mode.quick ? 8 * MB : 32 * MB;
    const small = mode.quick ? MB : 4 * MB;
    const warmUp: Shape = { label: 'warm-up', bytes: 4 * MB, writeSize: 64 * 1024, bothWays: true, noDelay: false };
    await kilnTransfer(warmUp);
    await loopbackTransfer(warmUp);
    return [
      shapeCase({ label: `${bulk / MB} MB one way, 64 KB writes`, bytes: bulk, writeSize: 64 * 1024, bothWays: false, noDelay: false }),
      shapeCase({ label: `${bulk / MB} MB each way at once`, bytes: bulk, writeSize: 64 * 1024, bothWays: true, noDelay: false }),
      shapeCase({ label: `${small / MB} MB in 512 B writes, no-delay`, bytes: small, writeSize: 512, bothWays: false, noDelay: true }),
    ];
  },
};
