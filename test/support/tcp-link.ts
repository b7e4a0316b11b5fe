/**
 * Test harnesses for the TCP layer alone, below the IP layer:
 * - `TcpLink`: two TcpLayers joined by a wire with latency and seeded loss,
 *   reordering, duplication, corruption and an MTU, on a VirtualClock;
 * - `RawPeer`: one TcpLayer facing the test, which crafts segments and reads
 *   what the layer sent.
 * Both only move time when nothing else can happen, so runs are exact.
 */
import type { Flow } from '../../lib/devices/flow.ts';
import { VirtualClock } from '../../lib/testing/virtual-clock.ts';
import { SeededRandom } from '../../lib/testing/seeded-random.ts';
import { TcpLayer } from '../../lib/net/tcp/layer.ts';
import type { TcpOptions } from '../../lib/net/tcp/options.ts';
import { TcpView, TCP_HEADER_LEN, fillTcpChecksum, writeTcpHeader } from '../../lib/net/wire/tcp.ts';

export const ADDRESS_A = 0x0a000001; // 10.0.0.1
export const ADDRESS_B = 0x0a000002; // 10.0.0.2

/** Lets every pending promise callback run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface LinkOptions {
  seed?: number;
  /** One-way delay (default 1 ms). */
  latencyMs?: number;
  loss?: number;
  /** Probability a segment is held back by up to 3 extra latencies. */
  reorder?: number;
  duplicate?: number;
  /** Probability one bit of the segment is flipped (the checksum must catch it). */
  corrupt?: number;
  /** IP MTU: segments are at most this minus 20 bytes. Default 1500. */
  mtu?: number;
  tcp?: TcpOptions;
}

interface InFlight {
  at: number;
  order: number;
  to: TcpLayer;
  src: number;
  dst: number;
  bytes: Uint8Array;
}

export interface LinkCounters {
  sent: number;
  lost: number;
  reordered: number;
  duplicated: number;
  corrupted: number;
}

/** `layer`, building its segments in a buffer of its own as the stack has it build in the IPv4 layer's; `send` gets each as a view, valid during the call. */
function sendingThrough(layer: TcpLayer, send: (src: number, dst: number, segment: Uint8Array) => boolean): TcpLayer {
  const tx = new Uint8Array(65536);
  layer.buildIn(tx, (src, dst, length) => send(src, dst, tx.subarray(0, length)));
  return layer;
}

export class TcpLink {
  readonly clock = new VirtualClock();
  readonly a: TcpLayer;
  readonly b: TcpLayer;
  readonly counters: LinkCounters = { sent: 0, lost: 0, reordered: 0, duplicated: 0, corrupted: 0 };
  private readonly faults: SeededRandom;
  private queue: InFlight[] = [];
  private order = 0;
  private readonly latencyMs: number;
  /** Drops segments for which it returns true (after fault injection). */
  filter: ((from: TcpLayer, segment: TcpView) => boolean) | null = null;
  private readonly filterView = new TcpView();

  constructor(private readonly options: LinkOptions = {}) {
    this.faults = new SeededRandom(options.seed ?? 1);
    this.latencyMs = options.latencyMs ?? 1;
    const mss = (options.mtu ?? 1500) - 20;
    const make = (seed: number, self: () => TcpLayer, peer: () => TcpLayer): TcpLayer =>
      sendingThrough(new TcpLayer({ clock: this.clock, random: new SeededRandom(seed), maxSegmentFor: () => mss }, options.tcp), (src, dst, segment) => {
        this.send(self(), peer(), src, dst, segment);
        return true;
      });
    this.a = make(101, () => this.a, () => this.b);
    this.b = make(202, () => this.b, () => this.a);
  }

  private send(from: TcpLayer, to: TcpLayer, src: number, dst: number, segment: Uint8Array): void {
    this.counters.sent++;
    const o = this.options;
    if (this.filter) {
      this.filterView.wrap(segment, 0, segment.length, src, dst);
      if (this.filter(from, this.filterView)) return;
    }
    if (o.loss && this.faults.chance(o.loss)) {
      this.counters.lost++;
      return;
    }
    const copies = o.duplicate && this.faults.chance(o.duplicate) ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    for (let i = 0; i < copies; i++) {
      const bytes = segment.slice();
      if (o.corrupt && this.faults.chance(o.corrupt)) {
        this.counters.corrupted++;
        const bit = this.faults.int(bytes.length * 8);
        bytes[bit >> 3] = bytes[bit >> 3]! ^ (1 << (bit & 7));
      }
      let at = this.clock.nowMs() + this.latencyMs;
      if (o.reorder && this.faults.chance(o.reorder)) {
        this.counters.reordered++;
        at += this.latencyMs * (1 + this.faults.int(3));
      }
      // Whole nanoseconds, as the VirtualClock keeps time, so `at <= nowMs()` holds once it is reached.
      this.queue.push({ at: Math.round(at * 1e6) / 1e6, order: this.order++, to, src, dst, bytes });
    }
  }

  /** Delivers every segment due now; returns how many. */
  private deliverDue(): number {
    const now = this.clock.nowMs();
    const due = this.queue.filter((q) => q.at <= now).sort((x, y) => x.at - y.at || x.order - y.order);
    if (due.length === 0) return 0;
    this.queue = this.queue.filter((q) => q.at > now);
    for (const q of due) q.to.input(q.src, q.dst, q.bytes);
    return due.length;
  }

  /** Runs until `done()` holds, moving virtual time at most `limitMs`; throws if it stalls or runs out. */
  async run(done: () => boolean, limitMs = 600_000): Promise<void> {
    const end = this.clock.nowMs() + limitMs;
    for (;;) {
      await settle();
      if (done()) return;
      if (this.deliverDue() > 0) continue;
      let next = this.clock.nextDeadlineMs();
      for (const q of this.queue) if (next === null || q.at < next) next = q.at;
      if (next === null) throw new Error('TcpLink.run: stalled, nothing left to happen');
      if (next > end) throw new Error(`TcpLink.run: not done after ${limitMs} ms of virtual time`);
      this.clock.advanceTo(Math.max(next, this.clock.nowMs()));
    }
  }

  /** Resolves `promise` while running the link. */
  async drive<T>(promise: Promise<T>, limitMs = 600_000): Promise<T> {
    let finished = false;
    promise.then(
      () => (finished = true),
      () => (finished = true),
    );
    await this.run(() => finished, limitMs);
    return promise;
  }

  /** Moves time forward by `ms`, delivering everything on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.nowMs() + ms;
    await this.run(() => {
      const nextTimer = this.clock.nextDeadlineMs();
      const nextSegment = this.queue.reduce((m, q) => Math.min(m, q.at), Infinity);
      return Math.min(nextTimer ?? Infinity, nextSegment) > end;
    }, ms + 1);
    this.clock.advanceTo(end);
    await settle();
  }
}

/** One segment the layer under test sent, parsed. */
export interface SentSegment {
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  payload: Uint8Array;
  mss: number;
  windowShift: number;
  sackPermitted: boolean;
  tsVal: number | null;
  tsEcr: number | null;
  sack: [number, number][];
}

export interface CraftedSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  /** Raw option bytes, padded to 4 by the builder. */
  options?: number[];
  payload?: Uint8Array;
}

/** Option bytes for crafted segments. */
export const opt = {
  mss: (v: number): number[] => [2, 4, v >> 8, v & 255],
  wscale: (s: number): number[] => [1, 3, 3, s],
  sackPermitted: (): number[] => [1, 1, 4, 2],
  timestamp: (val: number, ecr: number): number[] => [1, 1, 8, 10, ...u32(val), ...u32(ecr)],
  sack: (...blocks: [number, number][]): number[] => [1, 1, 5, 2 + 8 * blocks.length, ...blocks.flatMap(([l, r]) => [...u32(l), ...u32(r)])],
};

function u32(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

/** Builds a segment with a correct checksum from `src` to `dst`. */
export function craft(src: number, dst: number, s: CraftedSegment): Uint8Array {
  const options = [...(s.options ?? [])];
  while (options.length % 4 !== 0) options.push(0);
  const payload = s.payload ?? new Uint8Array(0);
  const hl = TCP_HEADER_LEN + options.length;
  const b = new Uint8Array(hl + payload.length);
  writeTcpHeader(b, s.srcPort, s.dstPort, s.seq >>> 0, (s.ack ?? 0) >>> 0, s.flags, s.window ?? 65535, hl);
  b.set(options, TCP_HEADER_LEN);
  b.set(payload, hl);
  fillTcpChecksum(b, b.length, src, dst);
  return b;
}

/** A TcpLayer at ADDRESS_A whose peer is the test itself (at ADDRESS_B). */
export class RawPeer {
  readonly layer: TcpLayer;
  readonly sent: SentSegment[] = [];
  /** What sending a segment returns (false simulates a routing failure). */
  deliverable = true;

  constructor(
    tcp: TcpOptions = {},
    mtu = 1500,
    readonly clock: VirtualClock = new VirtualClock(),
  ) {
    this.layer = sendingThrough(new TcpLayer({ clock: this.clock, random: new SeededRandom(7), maxSegmentFor: () => mtu - 20 }, tcp), (src, dst, segment) => {
      this.sent.push(parseSent(src, dst, segment));
      return this.deliverable;
    });
  }

  /** Delivers a crafted segment from ADDRESS_B to the layer. */
  deliver(s: CraftedSegment): void {
    this.layer.input(ADDRESS_B, ADDRESS_A, craft(ADDRESS_B, ADDRESS_A, s));
  }

  /** Removes and returns everything sent so far. */
  take(): SentSegment[] {
    return this.sent.splice(0);
  }

  /** Advances virtual time, letting promise callbacks run between timers. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.nowMs() + ms;
    for (;;) {
      await settle();
      const next = this.clock.nextDeadlineMs();
      if (next === null || next > end) break;
      this.clock.advanceTo(Math.max(next, this.clock.nowMs()));
    }
    this.clock.advanceTo(end);
    await settle();
  }
}

function parseSent(src: number, dst: number, segment: Uint8Array): SentSegment {
  const v = new TcpView();
  const invalid = v.wrap(segment, 0, segment.length, src, dst);
  if (invalid) throw new Error(`the layer sent an invalid segment: ${invalid}`);
  const sack: [number, number][] = [];
  for (let k = 0; k < v.sackCount; k++) sack.push([v.sackBlocks[2 * k]!, v.sackBlocks[2 * k + 1]!]);
  return {
    src,
    dst,
    srcPort: v.sourcePort,
    dstPort: v.destinationPort,
    seq: v.seq,
    ack: v.ack,
    flags: v.flags,
    window: v.window,
    payload: segment.slice(v.payloadStart, v.end),
    mss: v.mss,
    windowShift: v.windowShift,
    sackPermitted: v.sackPermitted,
    tsVal: v.hasTimestamp ? v.tsVal : null,
    tsEcr: v.hasTimestamp ? v.tsEcr : null,
    sack,
  };
}

export interface HandshakeOptions {
  port?: number;
  peerPort?: number;
  peerIsn?: number;
  /** Options of the peer's SYN (default: MSS 1460 only). */
  options?: number[];
  window?: number;
  backlog?: number;
}

export interface Handshake {
  flow: import('../../lib/devices/flow.ts').Flow;
  listener: import('../../lib/devices/stack.ts').TcpListener;
  /** The layer's ISN and the peer's next sequence number. */
  iss: number;
  peerNext: number;
  synAck: SentSegment;
  port: number;
  peerPort: number;
}

/** Opens a connection from the raw peer to a listener on the layer; the test then plays the peer. */
export async function acceptFromPeer(peer: RawPeer, o: HandshakeOptions = {}): Promise<Handshake> {
  const port = o.port ?? 80;
  const peerPort = o.peerPort ?? 40000;
  const peerIsn = o.peerIsn ?? 1000;
  const listener = peer.layer.listen(ADDRESS_A, port, o.backlog === undefined ? {} : { backlog: o.backlog });
  peer.deliver({ srcPort: peerPort, dstPort: port, seq: peerIsn, flags: 0x02, window: o.window ?? 65535, options: o.options ?? opt.mss(1460) });
  const synAck = peer.take().find((s) => s.flags === 0x12 && s.srcPort === port && s.dstPort === peerPort);
  if (!synAck) throw new Error('no SYN-ACK');
  peer.deliver({ srcPort: peerPort, dstPort: port, seq: peerIsn + 1, ack: synAck.seq + 1, flags: 0x10, window: o.window ?? 65535 });
  const flow = await listener.accept();
  return { flow, listener, iss: synAck.seq, peerNext: peerIsn + 1, synAck, port, peerPort };
}

// Streams of known bytes, for transfers that must arrive byte-exact.

export const MB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** Deterministic, position-dependent bytes, so loss, duplication or misordering cannot go unseen. */
const TABLE = (() => {
  const t = new Uint8Array(MB);
  let x = 0x12345678;
  for (let i = 0; i < t.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    t[i] = x & 255;
  }
  return t;
})();

export function patternByte(stream: number, i: number): number {
  return TABLE[(i + stream * 4099) & (MB - 1)]! ^ ((i >>> 20) & 255);
}

function fill(stream: number, offset: number, out: Uint8Array): void {
  for (let k = 0; k < out.length; k++) out[k] = patternByte(stream, offset + k);
}

export async function sendAll(flow: Flow, stream: number, total: number): Promise<void> {
  const chunk = new Uint8Array(CHUNK);
  for (let off = 0; off < total; off += CHUNK) {
    const n = Math.min(CHUNK, total - off);
    fill(stream, off, chunk.subarray(0, n));
    await flow.write(chunk.subarray(0, n));
  }
  await flow.shutdown();
}

/** Reads to end of stream, checking every byte; returns the count. */
export async function receiveAll(flow: Flow, stream: number): Promise<number> {
  let got = 0;
  for await (const chunk of flow) {
    for (let k = 0; k < chunk.length; k++) {
      if (chunk[k] !== patternByte(stream, got + k)) throw new Error(`stream ${stream}: byte ${got + k} differs`);
    }
    got += chunk.length;
  }
  return got;
}

/** Both directions at once on one flow; resolves with the bytes received. */
export async function exchange(flow: Flow, sendStream: number, receiveStream: number, total: number): Promise<number> {
  const [, got] = await Promise.all([sendAll(flow, sendStream, total), receiveAll(flow, receiveStream)]);
  await flow.close();
  return got;
}

