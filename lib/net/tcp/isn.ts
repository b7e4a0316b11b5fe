/**
 * Per-connection secrets derived from a boot-time key: initial sequence
 * numbers (RFC 6528: ISN = M + F(4-tuple, key), M a 4 µs clock) and the
 * timestamp clock offset (RFC 7323 §5.4: a per-connection offset so that
 * timestamps do not reveal the host's uptime yet stay monotonic for one
 * 4-tuple, which PAWS across incarnations relies on).
 */
import type { Clock } from '../../devices/clock.ts';
import { SipHash } from './siphash.ts';

const DOMAIN_ISN = 1;
const DOMAIN_TIMESTAMP = 2;

export class ConnectionSecrets {
  private readonly hash: SipHash;

  constructor(
    private readonly clock: Clock,
    key: Uint8Array,
  ) {
    this.hash = new SipHash(key);
  }

  /** RFC 6528 §3 initial sequence number for this 4-tuple, now. */
  initialSequence(localAddress: number, localPort: number, remoteAddress: number, remotePort: number): number {
    const f = this.tuple(DOMAIN_ISN, localAddress, localPort, remoteAddress, remotePort);
    // M: a timer that ticks every 4 microseconds; `>>> 0` reduces it modulo 2^32.
    const m = Math.floor(this.clock.nowMs() * 250);
    return (f + m) >>> 0;
  }

  /** Offset added to the millisecond clock in this 4-tuple's TSval. */
  timestampOffset(localAddress: number, localPort: number, remoteAddress: number, remotePort: number): number {
    return this.tuple(DOMAIN_TIMESTAMP, localAddress, localPort, remoteAddress, remotePort);
  }

  private tuple(domain: number, la: number, lp: number, ra: number, rp: number): number {
    return this.hash.reset().u32(domain).u32(la).u16(lp).u32(ra).u16(rp).finishLow32();
  }
}
