/**
 * An in-memory Ethernet switch joining any number of `Net` interfaces, for
 * tests. It can learn MAC addresses (forward unicast to one port) or flood
 * every frame, and inject faults from a seeded generator: loss, reordering,
 * duplication, corruption and an MTU limit. Every delivered frame can be
 * captured to pcap.
 *
 * Delivery is never synchronous with `write`, so two stacks never recurse
 * into each other:
 * - `delivery: 'microtask'` (default): queued frames are delivered on the
 *   next microtask tick, batch after batch. Works with real and virtual
 *   clocks; with a VirtualClock, `await sw.settle()` then `clock.advance()`.
 * - `delivery: 'manual'`: nothing moves until the test calls `pump()`.
 * - `latencyMs` with a `clock`: each frame is delivered `latencyMs` after it
 *   was written, by a timer on that clock (a VirtualClock delivers as the test
 *   advances it; a real clock in real time).
 */
import type { Clock, Timer } from '../devices/clock.ts';
import type { MacAddress, NetOffload } from '../devices/net.ts';
import { FrameDevice } from '../net/frame-device.ts';
import type { PcapWriter } from './pcap.ts';
import { SeededRandom } from './seeded-random.ts';
import { ETHERNET_HEADER_LEN } from '../net/wire/ethernet.ts';
import { segmentTcpFrame } from '../net/wire/tcp-segmentation.ts';

export interface SwitchOptions {
  /** Seed of the fault-injection generator (default 1). */
  seed?: number;
  /** Probability that a frame is lost. */
  loss?: number;
  /** Probability that a frame is delivered twice. */
  duplicate?: number;
  /** Probability that a frame is held back and delivered after up to three later frames. */
  reorder?: number;
  /**
   * Probability that one bit of an IPv4 frame, after the Ethernet header, is
   * flipped: what the IPv4, ICMP, UDP and TCP checksums must catch. Other
   * frames (ARP) carry no checksum of their own and rely on Ethernet's FCS,
   * so they pass intact.
   */
  corrupt?: number;
  /** Frames whose payload (after the 14-byte header) exceeds this are dropped; also the ports' default MTU. */
  mtu?: number;
  /** `learning` (default) forwards known unicast to one port; `flooding` sends every frame to every other port. */
  mode?: 'learning' | 'flooding';
  delivery?: 'microtask' | 'manual';
  /** Delay every frame by this much on `clock` instead of delivering on a microtask. */
  latencyMs?: number;
  clock?: Clock;
  /** Records every delivered frame. */
  pcap?: PcapWriter;
}

export interface PortOptions {
  /** Default: 02:4b:69:6c:XX:XX from the port's number (locally administered). */
  mac?: MacAddress;
  /** Default: the switch's MTU, else 1500. */
  mtu?: number;
  /** The port takes large TCP segments and cuts them into standard ones before the switch sees them, as a device with segmentation offload does. */
  offload?: NetOffload;
}

/** What the switch did with frames. Every field only grows. */
export interface SwitchCounters {
  written: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  droppedMtu: number;
  flooded: number;
}

interface Queued {
  frame: Uint8Array;
  from: SwitchPort;
  dueMs: number;
}

const DEFAULT_MTU = 1500;

/** setImmediate or setTimeout where the platform has them (Node, browsers); QuickJS images have neither. */
const HOST = globalThis as { setImmediate?: (fn: () => void) => unknown; setTimeout?: (fn: () => void, ms: number) => unknown };
const MACROTASK: ((fn: () => void) => void) | null = HOST.setImmediate
  ? (fn) => HOST.setImmediate!(fn)
  : HOST.setTimeout
    ? (fn) => HOST.setTimeout!(fn, 0)
    : null;

export class VirtualSwitch {
  private readonly random: SeededRandom;
  private readonly ports: SwitchPort[] = [];
  private readonly table = new Map<number, SwitchPort>();
  private queue: Queued[] = [];
  private held: Queued | null = null;
  private heldFor = 0;
  private scheduled = false;
  private timer: Timer | null = null;
  private readonly errors: unknown[] = [];
  private readonly stats: SwitchCounters = {
    written: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    droppedMtu: 0,
    flooded: 0,
  };

  constructor(private readonly options: SwitchOptions = {}) {
    this.random = new SeededRandom(options.seed ?? 1);
    if (options.latencyMs !== undefined && !options.clock) throw new RangeError('latencyMs needs a clock');
    for (const p of ['loss', 'duplicate', 'reorder', 'corrupt'] as const) {
      const v = options[p] ?? 0;
      if (!(v >= 0 && v <= 1)) throw new RangeError(`${p} must be a probability from 0 to 1, got ${v}`);
    }
  }

  /** Adds a port and returns it as a `Net`. */
  attach(options: PortOptions = {}): SwitchPort {
    const n = this.ports.length + 1;
    const mac = options.mac ? options.mac.slice(0, 6) : new Uint8Array([0x02, 0x4b, 0x69, 0x6c, n >> 8, n & 255]);
    const port = new SwitchPort(this, mac, options.mtu ?? this.options.mtu ?? DEFAULT_MTU, options.offload);
    this.ports.push(port);
    return port;
  }

  counters(): SwitchCounters {
    return { ...this.stats };
  }

  /** Frames written and not yet delivered. */
  get queued(): number {
    return this.queue.length + (this.held ? 1 : 0);
  }

  /**
   * Delivers the frames queued now (not those their delivery causes) and
   * returns how many were taken from the queue. Throws the first error a
   * receiver threw, after the batch.
   */
  pump(): number {
    const now = this.options.clock?.nowMs() ?? 0;
    const batch = this.queue;
    let taken = 0;
    this.queue = [];
    for (const q of batch) {
      if (this.options.latencyMs !== undefined && q.dueMs > now) {
        this.queue.push(q);
        continue;
      }
      taken++;
      this.forward(q);
      if (this.held && ++this.heldFor > 1 + this.random.int(3)) this.releaseHeld();
    }
    // A held frame never waits for traffic that may not come.
    if (this.queue.length === 0) this.releaseHeld();
    if (this.errors.length > 0) {
      const first = this.errors[0];
      this.errors.length = 0;
      throw first;
    }
    return taken;
  }

  /**
   * Resolves once no frame is queued and the receivers have reacted. Each
   * round waits one macrotask where the platform has one (Node), which lets
   * every pending promise callback run first; elsewhere (QuickJS) it waits
   * `quietTurns` microtask turns. With `latencyMs`, frames wait for the
   * clock, which alone moves them: only the receivers' reactions are waited
   * for. Gives up after `maxRounds`, so a never-ending exchange cannot hang.
   */
  async settle(quietTurns = 20, maxRounds = 100_000): Promise<void> {
    const clockDriven = this.options.latencyMs !== undefined;
    for (let round = 0; round < maxRounds; round++) {
      if (MACROTASK) await new Promise<void>((resolve) => MACROTASK!(resolve));
      else for (let turn = 0; turn < quietTurns; turn++) await Promise.resolve();
      if (clockDriven || this.queued === 0) return;
    }
  }

  /** Called by a port's `write`: applies the faults and queues the copies. */
  enqueue(from: SwitchPort, frame: Uint8Array): void {
    const s = this.stats;
    s.written++;
    const key = macKey(frame, 6);
    if (!(frame[6]! & 1)) this.table.set(key, from);
    const r = this.random;
    if (r.chance(this.options.loss ?? 0)) {
      s.lost++;
      return;
    }
    if (this.options.mtu !== undefined && frame.length - ETHERNET_HEADER_LEN > this.options.mtu) {
      s.droppedMtu++;
      return;
    }
    const copy = frame.slice();
    if (copy.length > ETHERNET_HEADER_LEN && copy[12] === 0x08 && copy[13] === 0x00 && r.chance(this.options.corrupt ?? 0)) {
      const bit = r.int((copy.length - ETHERNET_HEADER_LEN) * 8);
      copy[ETHERNET_HEADER_LEN + (bit >> 3)]! ^= 1 << (bit & 7);
      s.corrupted++;
    }
    const dueMs = (this.options.clock?.nowMs() ?? 0) + (this.options.latencyMs ?? 0);
    const q: Queued = { frame: copy, from, dueMs };
    this.queue.push(q);
    if (r.chance(this.options.duplicate ?? 0)) {
      s.duplicated++;
      this.queue.push({ frame: copy, from, dueMs });
    }
    this.schedule();
  }

  detach(port: SwitchPort): void {
    const i = this.ports.indexOf(port);
    if (i >= 0) this.ports.splice(i, 1);
    for (const [k, p] of this.table) if (p === port) this.table.delete(k);
  }

  private forward(q: Queued): void {
    if (!this.held && this.random.chance(this.options.reorder ?? 0)) {
      this.stats.reordered++;
      this.held = q;
      this.heldFor = 0;
      return;
    }
    this.deliver(q);
  }

  private releaseHeld(): void {
    const h = this.held;
    if (!h) return;
    this.held = null;
    this.deliver(h);
  }

  private deliver(q: Queued): void {
    this.stats.delivered++;
    this.options.pcap?.capture(q.frame);
    const f = q.frame;
    const target = this.options.mode === 'flooding' || f[0]! & 1 ? undefined : this.table.get(macKey(f, 0));
    if (target) {
      if (target !== q.from) this.receive(target, f);
      return;
    }
    this.stats.flooded++;
    for (const p of [...this.ports]) if (p !== q.from) this.receive(p, f);
  }

  private receive(port: SwitchPort, frame: Uint8Array): void {
    try {
      port.receive(frame);
    } catch (err) {
      this.errors.push(err);
    }
  }

  private schedule(): void {
    const o = this.options;
    if (o.latencyMs !== undefined) {
      if (this.timer) return;
      const due = this.queue[0]!.dueMs;
      this.timer = o.clock!.at(due, () => {
        this.timer = null;
        try {
          this.pump();
        } finally {
          if (this.queue.length > 0) this.schedule();
        }
      });
      return;
    }
    if (o.delivery === 'manual' || this.scheduled) return;
    this.scheduled = true;
    void Promise.resolve().then(() => {
      this.scheduled = false;
      try {
        this.pump();
      } finally {
        if (this.queue.length > 0) this.schedule();
      }
    });
  }
}

/** One port of a VirtualSwitch, seen by its user as a `Net`. */
export class SwitchPort extends FrameDevice {
  private readonly segmentScratch: Uint8Array;

  constructor(
    private readonly sw: VirtualSwitch,
    mac: MacAddress,
    mtu: number,
    offload?: NetOffload,
  ) {
    super(mac, mtu, offload);
    this.segmentScratch = new Uint8Array(offload ? ETHERNET_HEADER_LEN + mtu : 0);
  }

  protected transmit(frame: Uint8Array, segmentSize: number): void {
    if (segmentSize > 0) segmentTcpFrame(frame, segmentSize, this.segmentScratch, (piece) => this.sw.enqueue(this, piece));
    else this.sw.enqueue(this, frame);
  }

  protected release(): void {
    this.sw.detach(this);
  }

  /** Called by the switch with a frame for this port. */
  receive(frame: Uint8Array): void {
    this.deliver(frame);
  }
}

/** The 48-bit MAC at `frame[at..]` as one number: a map key without allocating. */
function macKey(frame: Uint8Array, at: number): number {
  let k = 0;
  for (let i = 0; i < 6; i++) k = k * 256 + frame[at + i]!;
  return k;
}
