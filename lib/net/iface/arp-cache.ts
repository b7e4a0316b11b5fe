/**
 * The ARP cache (RFC 826, RFC 1122 §2.3.2): entries expire, and an entry in
 * use is refreshed by a unicast request shortly before it expires, so busy
 * flows never stall on re-resolution. Packets for an address being resolved
 * wait in a bounded queue; requests are retried, then the packets dropped.
 * The waiting packets count in the stack's memory budget, with TCP's rings:
 * a flood of packets to addresses that never answer cannot take the memory
 * connections need.
 */
import type { Clock, Timer } from '../../devices/clock.ts';
import { UNLIMITED, type MemoryBudget } from '../../devices/memory-budget.ts';
import type { LayerCounters } from './counters.ts';

export interface ArpOptions {
  /** How long a learned entry stays valid (default 60 s). */
  lifetimeMs?: number;
  /** Start refreshing an entry in use this long before it expires (default 5 s). */
  refreshBeforeMs?: number;
  /** Entries at most; the one closest to expiry goes first (default 512). */
  maxEntries?: number;
  /** Wait between requests for an unresolved address (default 1 s). */
  retryMs?: number;
  /** Requests before giving up on an address (default 3). */
  maxRequests?: number;
  /** Packets waiting per unresolved address (default 16). */
  maxQueuedPerAddress?: number;
  /** Bytes waiting in all (default 256 KB). */
  maxQueuedBytes?: number;
}

/** What the cache needs from the interface. */
export interface ArpTransmitter {
  /** Sends an ARP request for `ip` to `ethDst` (broadcast to resolve, the known MAC to refresh). */
  sendRequest(ip: number, ethDst: Uint8Array | null): void;
  /** Sends a queued IPv4 packet (14 bytes of headroom, then the packet) to `mac`. */
  transmitQueued(frame: Uint8Array, mac: Uint8Array): void;
  /** A queued packet is dropped because its next hop never answered. */
  unresolved(frame: Uint8Array): void;
}

interface Entry {
  mac: Uint8Array;
  expiresAt: number;
  refreshAt: number;
}

interface Pending {
  frames: Uint8Array[];
  requests: number;
  timer: Timer;
}

export class ArpCache {
  private readonly entries = new Map<number, Entry>();
  private readonly pending = new Map<number, Pending>();
  private queuedBytes = 0;
  private readonly lifetimeMs: number;
  private readonly refreshBeforeMs: number;
  private readonly maxEntries: number;
  private readonly retryMs: number;
  private readonly maxRequests: number;
  private readonly maxQueuedPerAddress: number;
  private readonly maxQueuedBytes: number;

  constructor(
    private readonly clock: Clock,
    private readonly counters: LayerCounters,
    private readonly transmitter: ArpTransmitter,
    options: ArpOptions = {},
    private readonly budget: MemoryBudget = UNLIMITED,
  ) {
    this.lifetimeMs = options.lifetimeMs ?? 60_000;
    this.refreshBeforeMs = Math.min(options.refreshBeforeMs ?? 5_000, this.lifetimeMs);
    this.maxEntries = options.maxEntries ?? 512;
    this.retryMs = options.retryMs ?? 1_000;
    this.maxRequests = options.maxRequests ?? 3;
    this.maxQueuedPerAddress = options.maxQueuedPerAddress ?? 16;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 256 * 1024;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes and addresses waiting for resolution (for tests and memory bounds). */
  get queued(): { addresses: number; bytes: number } {
    return { addresses: this.pending.size, bytes: this.queuedBytes };
  }

  /** The MAC for `ip`, or null when unknown or expired. Starts a refresh when the entry is about to expire. */
  lookup(ip: number): Uint8Array | null {
    const e = this.entries.get(ip);
    if (!e) return null;
    const now = this.clock.nowMs();
    if (now >= e.expiresAt) {
      this.entries.delete(ip);
      this.counters.add('cache.expired');
      return null;
    }
    if (now >= e.refreshAt) {
      // One unicast poll per retry interval until a reply renews the entry (RFC 1122 §2.3.2.1).
      e.refreshAt = now + this.retryMs;
      this.counters.add('cache.refresh');
      this.transmitter.sendRequest(ip, e.mac);
    }
    return e.mac;
  }

  /**
   * Records `ip` at the MAC in `bytes[offset..offset+6)`. An existing entry is
   * always updated (RFC 826's merge); a new one is created only when `create`.
   * Sends the packets that were waiting for this address.
   */
  learn(ip: number, bytes: Uint8Array, offset: number, create: boolean): void {
    let e = this.entries.get(ip);
    if (!e) {
      if (!create && !this.pending.has(ip)) return;
      if (this.entries.size >= this.maxEntries) this.evictOne();
      e = { mac: new Uint8Array(6), expiresAt: 0, refreshAt: 0 };
      this.entries.set(ip, e);
    }
    e.mac.set(bytes.subarray(offset, offset + 6));
    const now = this.clock.nowMs();
    e.expiresAt = now + this.lifetimeMs;
    e.refreshAt = e.expiresAt - this.refreshBeforeMs;
    const p = this.pending.get(ip);
    if (p) {
      this.pending.delete(ip);
      p.timer.cancel();
      for (const frame of p.frames) {
        this.unqueue(frame);
        this.transmitter.transmitQueued(frame, e.mac);
      }
    }
  }

  /** Queues a frame (14 bytes headroom + IPv4 packet) until `ip` resolves. False when the queue is full. */
  enqueue(ip: number, frame: Uint8Array): boolean {
    let p = this.pending.get(ip);
    if ((p && p.frames.length >= this.maxQueuedPerAddress) || this.queuedBytes + frame.length > this.maxQueuedBytes) {
      this.counters.dropTx('queue-full');
      return false;
    }
    if (!this.budget.tryTake(frame.length)) {
      this.counters.dropTx('memory');
      return false;
    }
    if (!p) {
      const fresh: Pending = { frames: [], requests: 0, timer: { cancel() {} } };
      this.pending.set(ip, fresh);
      this.request(ip, fresh);
      p = fresh;
    }
    p.frames.push(frame);
    this.queuedBytes += frame.length;
    return true;
  }

  /** Forgets every entry and drops every waiting packet. */
  clear(): void {
    for (const p of this.pending.values()) {
      p.timer.cancel();
      for (const frame of p.frames) this.unqueue(frame);
    }
    this.pending.clear();
    this.entries.clear();
  }

  /** A queued frame leaves the queue (sent or dropped). */
  private unqueue(frame: Uint8Array): void {
    this.queuedBytes -= frame.length;
    this.budget.give(frame.length);
  }

  private request(ip: number, p: Pending): void {
    if (p.requests >= this.maxRequests) {
      this.pending.delete(ip);
      for (const frame of p.frames) this.unqueue(frame);
      this.counters.add('tx.dropped.unresolved', p.frames.length);
      for (const frame of p.frames) this.transmitter.unresolved(frame);
      return;
    }
    p.requests++;
    this.transmitter.sendRequest(ip, null);
    p.timer = this.clock.at(this.clock.nowMs() + this.retryMs, () => this.request(ip, p));
  }

  private evictOne(): void {
    let victim = -1;
    let soonest = Infinity;
    for (const [ip, e] of this.entries) {
      if (e.expiresAt < soonest) {
        soonest = e.expiresAt;
        victim = ip;
      }
    }
    this.entries.delete(victim);
    this.counters.add('cache.evicted');
  }
}
