/** ICMPv4 messages (RFC 792). */
import { readU16, writeU16 } from './bytes.ts';
import { checksum } from './checksum.ts';
import { WireView } from './view.ts';

export const ICMP_HEADER_LEN = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;

/** Destination unreachable codes (RFC 792, RFC 1122 §3.2.2.1). */
export const UNREACHABLE_HOST = 1;
export const UNREACHABLE_PROTOCOL = 2;
export const UNREACHABLE_PORT = 3;

/** Time exceeded code: fragment reassembly time exceeded. */
export const TIME_EXCEEDED_REASSEMBLY = 1;

export type IcmpInvalid = 'truncated' | 'checksum';

/** A re-pointable view of one ICMP message; `wrap` verifies the checksum. */
export class IcmpView extends WireView {
  wrap(bytes: Uint8Array, start: number, end: number): IcmpInvalid | null {
    this.point(bytes, start, end);
    if (end - start < ICMP_HEADER_LEN) return 'truncated';
    return checksum(bytes, start, end) === 0 ? null : 'checksum';
  }

  get type(): number {
    return this.bytes[this.start]!;
  }

  get code(): number {
    return this.bytes[this.start + 1]!;
  }

  /** Echo identifier (echo request and reply only). */
  get identifier(): number {
    return readU16(this.bytes, this.start + 4);
  }

  /** Echo sequence number (echo request and reply only). */
  get sequence(): number {
    return readU16(this.bytes, this.start + 6);
  }

  /** Where the data after the 8-byte header starts: echo data, or the original datagram of an error. */
  get bodyStart(): number {
    return this.start + ICMP_HEADER_LEN;
  }
}

/**
 * Writes an ICMP header at `buf[off..]` (type, code, the 4-byte rest-of-header
 * as two 16-bit words) and the checksum over the header and the body already
 * in `buf[off+8..end)`.
 */
export function writeIcmpHeader(buf: Uint8Array, off: number, end: number, type: number, code: number, word1: number, word2: number): void {
  buf[off] = type;
  buf[off + 1] = code;
  writeU16(buf, off + 2, 0);
  writeU16(buf, off + 4, word1);
  writeU16(buf, off + 6, word2);
  writeU16(buf, off + 2, checksum(buf, off, end));
}
