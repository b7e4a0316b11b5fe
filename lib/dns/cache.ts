/**
 * A small cache of lookups that honours TTLs: answers (addresses) and, per
 * RFC 2308, negative answers (no such name, no A record). Bounded: when full,
 * expired entries go first, then the oldest.
 */
import type { DnsErrorCode } from './errors.ts';

export type CachedLookup = { addresses: string[] } | { negative: Extract<DnsErrorCode, 'not-found' | 'no-data'>; message: string };

interface Entry {
  value: CachedLookup;
  expiresMs: number;
}

export class DnsCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity: number,
    /** Upper bound on any TTL, in seconds, so a bad record cannot pin an answer for years. */
    private readonly maxTtlSeconds: number,
  ) {}

  get(name: string, nowMs: number): CachedLookup | null {
    const entry = this.entries.get(name);
    if (!entry) return null;
    if (entry.expiresMs <= nowMs) {
      this.entries.delete(name);
      return null;
    }
    return entry.value;
  }

  /** Remembers `value` for `ttlSeconds`; a TTL of 0 means "do not cache" (RFC 1035 section 3.2.1). */
  set(name: string, value: CachedLookup, ttlSeconds: number, nowMs: number): void {
    const ttl = Math.min(ttlSeconds, this.maxTtlSeconds);
    if (ttl <= 0 || this.capacity <= 0) return;
    this.entries.delete(name);
    if (this.entries.size >= this.capacity) this.evict(nowMs);
    this.entries.set(name, { value, expiresMs: nowMs + ttl * 1000 });
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(nowMs: number): void {
    for (const [name, entry] of this.entries) if (entry.expiresMs <= nowMs) this.entries.delete(name);
    if (this.entries.size < this.capacity) return;
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}
