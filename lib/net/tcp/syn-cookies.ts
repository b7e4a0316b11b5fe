/**
 * SYN cookies (RFC 4987 §3.6): when a listener's SYN backlog is full, the
 * SYN-ACK's sequence number encodes what the connection needs, so no state
 * is kept until the peer's ACK returns it.
 *
 * Cookie layout (32 bits): 5 bits of a 64-second counter, 3 bits indexing the
 * MSS table, 24 bits of a keyed hash over the 4-tuple, the peer's ISN, the
 * counter and the MSS index. A cookie is valid for the current and previous
 * counter periods. When the peer uses timestamps, the window scale and SACK
 * permission ride in the low 5 bits of our TSval and come back in its TSecr.
 */
import type { Clock } from '../../devices/clock.ts';
import { SipHash } from './siphash.ts';

/** MSS values a cookie can carry, ascending; the peer gets the largest not above what it offered. */
const MSS_TABLE = [536, 1200, 1360, 1400, 1440, 1452, 1460, 8960];
const PERIOD_MS = 64_000;
const HASH_MASK = 0xffffff;
/** Window shift field value meaning "no window scaling". */
const NO_SHIFT = 0xf;

export interface CookieOptions {
  mss: number;
  /** Peer's window shift, or -1 when it did not offer scaling. */
  windowShift: number;
  sackPermitted: boolean;
}

export class SynCookies {
  private readonly hash: SipHash;

  constructor(
    private readonly clock: Clock,
    key: Uint8Array,
  ) {
    this.hash = new SipHash(key);
  }

  /** The cookie to use as our ISN in a SYN-ACK answering a SYN with sequence `peerIsn` and MSS `peerMss`. */
  make(localAddress: number, localPort: number, remoteAddress: number, remotePort: number, peerIsn: number, peerMss: number): number {
    let index = 0;
    while (index + 1 < MSS_TABLE.length && MSS_TABLE[index + 1]! <= peerMss) index++;
    const counter = this.counter() & 0x1f;
    const h = this.mac(localAddress, localPort, remoteAddress, remotePort, peerIsn, counter, index);
    return ((counter << 27) | (index << 24) | h) >>> 0;
  }

  /** The MSS encoded in `cookie` when it is genuine and fresh, else -1. */
  check(localAddress: number, localPort: number, remoteAddress: number, remotePort: number, peerIsn: number, cookie: number): number {
    const counter = cookie >>> 27;
    const index = (cookie >>> 24) & 7;
    const age = (this.counter() - counter) & 0x1f;
    if (age > 1) return -1;
    const h = this.mac(localAddress, localPort, remoteAddress, remotePort, peerIsn, counter, index);
    return h === (cookie & HASH_MASK) ? MSS_TABLE[index]! : -1;
  }

  private counter(): number {
    return Math.floor(this.clock.nowMs() / PERIOD_MS);
  }

  private mac(la: number, lp: number, ra: number, rp: number, peerIsn: number, counter: number, index: number): number {
    return this.hash.reset().u32(la).u16(lp).u32(ra).u16(rp).u32(peerIsn).u16(counter).u16(index).finishLow32() & HASH_MASK;
  }
}

/** A TSval no later than `tsNow` whose low 5 bits carry the window shift and SACK permission. */
export function encodeCookieTimestamp(tsNow: number, windowShift: number, sackPermitted: boolean): number {
  const bits = ((windowShift < 0 ? NO_SHIFT : windowShift) << 1) | (sackPermitted ? 1 : 0);
  let ts = ((tsNow & ~0x1f) | bits) >>> 0;
  if (((ts - tsNow) | 0) > 0) ts = (ts - 32) >>> 0;
  return ts;
}

/** The options `encodeCookieTimestamp` put in a TSval, read back from the peer's TSecr. */
export function decodeCookieTimestamp(tsEcr: number, mss: number): CookieOptions {
  const shift = (tsEcr >>> 1) & 0xf;
  return { mss, windowShift: shift === NO_SHIFT ? -1 : shift, sackPermitted: (tsEcr & 1) === 1 };
}
