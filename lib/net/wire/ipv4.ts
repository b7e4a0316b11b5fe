/** IPv4 headers (RFC 791). */
import { readU16 } from './bytes.ts';
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

/**
 * A re-pointable view of one IPv4 packet; `wrap` checks every length and the
 * header checksum, and reads the fields every packet needs into plain fields
 * (read on every packet, where a getter is a call per read in QuickJS).
 */
export class Ipv4View extends WireView {
  headerLength = 0;
  totalLength = 0;
  protocol = 0;
  source = 0;
  destination = 0;
  payloadStart = 0;
  payloadEnd = 0;
  /** Whether the packet is a fragment (more fragments, or an offset). */
  isFragment = false;

  wrap(bytes: Uint8Array, start: number, end: number): Ipv4Invalid | null {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    if (end - start < IPV4_HEADER_LEN) return 'truncated';
    const vihl = bytes[start]!;
    if (vihl >> 4 !== 4) return 'version';
    const hl = (vihl & 15) * 4;
    if (hl < IPV4_HEADER_LEN) return 'header-length';
    const total = (bytes[start + 2]! << 8) | bytes[start + 3]!;
    if (total < hl) return 'total-length';
    // Ethernet pads short frames, so the buffer may be longer than the packet, never shorter.
    if (total > end - start) return 'truncated';
    if (checksum(bytes, start, start + hl) !== 0) return 'checksum';
    this.headerLength = hl;
    this.totalLength = total;
    this.protocol = bytes[start + 9]!;
    this.source = ((bytes[start + 12]! << 24) | (bytes[start + 13]! << 16) | (bytes[start + 14]! << 8) | bytes[start + 15]!) >>> 0;
    this.destination = ((bytes[start + 16]! << 24) | (bytes[start + 17]! << 16) | (bytes[start + 18]! << 8) | bytes[start + 19]!) >>> 0;
    this.payloadStart = start + hl;
    this.payloadEnd = start + total;
    this.isFragment = (((bytes[start + 6]! << 8) | bytes[start + 7]!) & (FLAG_MORE_FRAGMENTS | OFFSET_MASK)) !== 0;
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

  get ttl(): number {
    return this.bytes[this.start + 8]!;
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
  // Byte stores written out: run for every packet sent, where a helper call per field costs more.
  buf[off] = 0x45;
  buf[off + 1] = 0;
  buf[off + 2] = totalLength >>> 8;
  buf[off + 3] = totalLength;
  buf[off + 4] = identification >>> 8;
  buf[off + 5] = identification;
  buf[off + 6] = flagsAndOffset >>> 8;
  buf[off + 7] = flagsAndOffset;
  buf[off + 8] = ttl;
  buf[off + 9] = protocol;
  buf[off + 10] = 0;
  buf[off + 11] = 0;
  buf[off + 12] = src >>> 24;
  buf[off + 13] = src >>> 16;
  buf[off + 14] = src >>> 8;
  buf[off + 15] = src;
  buf[off + 16] = dst >>> 24;
  buf[off + 17] = dst >>> 16;
  buf[off + 18] = dst >>> 8;
  buf[off + 19] = dst;
  const sum = checksum(buf, off, off + IPV4_HEADER_LEN);
  buf[off + 10] = sum >>> 8;
  buf[off + 11] = sum;
}
