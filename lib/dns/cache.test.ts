import { describe, expect, it } from 'vitest';
import { DnsCache } from './cache.ts';

describe('DnsCache', () => {
  it('expires entries at their TTL, caps TTLs, and does not cache TTL 0', () => {
    const cache = new DnsCache(10, 100);
    cache.set('a', { addresses: ['1.1.1.1'] }, 5, 0);
    cache.set('b', { addresses: ['2.2.2.2'] }, 1_000_000, 0);
    cache.set('c', { addresses: ['3.3.3.3'] }, 0, 0);
    expect(cache.get('a', 4_999)).toEqual({ addresses: ['1.1.1.1'] });
    expect(cache.get('a', 5_000)).toBeNull();
    expect(cache.get('b', 99_999)).not.toBeNull();
    expect(cache.get('b', 100_000)).toBeNull(); // capped at 100 s
    expect(cache.get('c', 0)).toBeNull();
  });

  it('stays within its capacity: expired entries go first, then the oldest', () => {
    const cache = new DnsCache(2, 1000);
    cache.set('short', { addresses: ['1.0.0.1'] }, 1, 0);
    cache.set('long', { addresses: ['1.0.0.2'] }, 100, 0);
    cache.set('new', { addresses: ['1.0.0.3'] }, 100, 2_000); // 'short' has expired: it makes room
    expect(cache.size).toBe(2);
    expect(cache.get('long', 2_000)).not.toBeNull();
    cache.set('newer', { addresses: ['1.0.0.4'] }, 100, 3_000); // nothing expired: the oldest ('long') goes
    expect(cache.get('long', 3_000)).toBeNull();
    expect(cache.get('new', 3_000)).not.toBeNull();
    expect(cache.get('newer', 3_000)).not.toBeNull();
  });
});
