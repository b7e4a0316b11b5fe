/** IPv4 headers (RFC 791). */
import { readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { checksum } from './checksum.ts';
import { WireView } from './view.ts';

export const IPV4_HEADER_LEN = 20;
export const IPV4_MAX_TOTAL_LEN = 65535;
export const PROTOCOL_ICMP = 1;
export const PROTOCOL_TCP = 6;
export const PROTOCOL_UDP = 17;
export const DEFAULT_TTL = 64;

/** Flags-and-offset bits. */
export const FLAG_DONT_FRAGMENT = 0x4000;
export const FLAG_MORE_FRAGMENTS = 0x2000;
const OFFSET_MASK = 0x1fff;

export type Ipv4Invalid = 'truncated' | 'version' | 'header-length' | 'total-length' | 'checksum';

/** A re-pointable view of one IPv4 packet; `wrap` checks every length and the header checksum. */
export class Ipv4View extends WireView {
  headerLength = 0;
  totalLength = 0;

  wrap(bytes: Uint8Array, start: number, end: number): Ipv4Invalid | null {
    this.point(bytes, start, end);
    if (end - start < IPV4_HEADER_LEN) return 'truncated';
    const vihl = bytes[start]!;
    if (vihl >> 4 !== 4) return 'version';
    const hl = (vihl & 15) * 4;
    if (hl < IPV4_HEADER_LEN) return 'header-length';
    const total = readU16(bytes, start + 2);
    if (total < hl) return 'total-length';
    // Ethernet pads short frames, so the buffer may be longer than the packet, never shorter.
    if (total > end - start) return 'truncated';
    if (checksum(bytes, start, start + hl) !== 0) return 'checksum';
    this.headerLength = hl;
    this.totalLength = total;
    return null;
  }

  get identification(): number {
    return readU16(this.bytes, this.start + 4);
  }

  get moreFragments(): boolean {
    return (readU16(this.bytes, this.start + 6) & FLAG_MORE_FRAGMENTS) !== 0;
  }

  /** Fragment offset in bytes. */
  get fragmentOffset(): number {
    return (readU16(this.bytes, this.start + 6) & OFFSET_MASK) * 8;
  }

  get isFragment(): boolean {
    return (readU16(this.bytes, this.start + 6) & (FLAG_MORE_FRAGMENTS | OFFSET_MASK)) !== 0;
  }

  get ttl(): number {
    return this.bytes[this.start + 8]!;
  }

  get protocol(): number {
    return this.bytes[this.start + 9]!;
  }

  get source(): number {
    return readU32(this.bytes, this.start + 12);
  }

  get destination(): number {
    return readU32(this.bytes, this.start + 16);
  }

  get payloadStart(): number {
    return this.start + this.headerLength;
  }

  get payloadEnd(): number {
    return this.start + this.totalLength;
  }
}

/**
 * Writes a 20-byte IPv4 header (no options) at `buf[off..]` and its checksum.
 * `flagsAndOffset` holds the flag bits and the fragment offset in 8-byte units.
 */
export function writeIpv4Header(
  buf: Uint8Array,
  off: number,
  totalLength: number,
  identification: number,
  flagsAndOffset: number,
  ttl: number,
  protocol: number,
  src: number,
  dst: number,
): void {
  buf[off] = 0x45;
  buf[off + 1] = 0;
  writeU16(buf, off + 2, totalLength);
  writeU16(buf, off + 4, identification);
  writeU16(buf, off + 6, flagsAndOffset);
  buf[off + 8] = ttl;
  buf[off + 9] = protocol;
  writeU16(buf, off + 10, 0);
  writeU32(buf, off + 12, src);
  writeU32(buf, off + 16, dst);
  writeU16(buf, off + 10, checksum(buf, off, off + IPV4_HEADER_LEN));
}
