/**
 * TCP segments (RFC 9293 §3.1) and their options: MSS (RFC 9293), window
 * scale and timestamps (RFC 7323), SACK-permitted and SACK (RFC 2018).
 * A re-pointable view for parsing, plain functions for emitting; neither
 * allocates.
 */
import { readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { finishChecksum, sumWords } from './checksum.ts';
import { WireView } from './view.ts';

export const TCP_HEADER_LEN = 20;
/** Options occupy at most 40 bytes: the data offset field counts 15 words at most. */
export const TCP_MAX_OPTIONS_LEN = 40;
const PROTOCOL_TCP = 6;

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;

const OPT_END = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMP = 8;

/** Most SACK blocks an option can carry (4 without timestamps, 3 with). */
export const MAX_SACK_BLOCKS = 4;
/** Bytes a timestamps option takes on the wire, with its two padding NOPs. */
export const TIMESTAMP_OPTION_LEN = 12;
/** Largest window scale shift (RFC 7323 §2.3). */
export const MAX_WINDOW_SHIFT = 14;

export type TcpInvalid = 'truncated' | 'data-offset' | 'options' | 'checksum';

/**
 * A view of one TCP segment. `wrap` checks the lengths, the checksum and the
 * options, and reads every field once into plain fields (a getter is a call
 * per read in QuickJS, and the connection reads some fields several times);
 * the parsed options sit in plain fields too (absent ones are -1 / false).
 */
export class TcpView extends WireView {
  headerLength = 0;
  sourcePort = 0;
  destinationPort = 0;
  /** Unsigned 32-bit, as on the wire. */
  seq = 0;
  ack = 0;
  flags = 0;
  window = 0;
  payloadStart = 0;
  payloadLength = 0;

  mss = -1;
  windowShift = -1;
  sackPermitted = false;
  hasTimestamp = false;
  tsVal = 0;
  tsEcr = 0;
  sackCount = 0;
  /** SACK blocks as left, right pairs; only the first `sackCount` pairs are meaningful. */
  readonly sackBlocks = new Uint32Array(MAX_SACK_BLOCKS * 2);

  /** Points the view at `bytes[start..end)` received from `src` for `dst`; returns why it is invalid, or null. */
  wrap(bytes: Uint8Array, start: number, end: number, src: number, dst: number): TcpInvalid | null {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    const length = end - start;
    if (length < TCP_HEADER_LEN) return 'truncated';
    const hl = (bytes[start + 12]! >> 4) * 4;
    if (hl < TCP_HEADER_LEN || hl > length) return 'data-offset';
    if (segmentChecksum(bytes, start, end, src, dst) !== 0) return 'checksum';
    this.headerLength = hl;
    // Byte reads written out: a helper call per field costs QuickJS more than the reads.
    this.sourcePort = (bytes[start]! << 8) | bytes[start + 1]!;
    this.destinationPort = (bytes[start + 2]! << 8) | bytes[start + 3]!;
    this.seq = ((bytes[start + 4]! << 24) | (bytes[start + 5]! << 16) | (bytes[start + 6]! << 8) | bytes[start + 7]!) >>> 0;
    this.ack = ((bytes[start + 8]! << 24) | (bytes[start + 9]! << 16) | (bytes[start + 10]! << 8) | bytes[start + 11]!) >>> 0;
    this.flags = bytes[start + 13]! & 0x3f;
    this.window = (bytes[start + 14]! << 8) | bytes[start + 15]!;
    this.payloadStart = start + hl;
    this.payloadLength = length - hl;
    return this.parseOptions() ? null : 'options';
  }

  /** Parses the options (RFC 9293 §3.2); false when one runs past the header or has a wrong length. */
  private parseOptions(): boolean {
    this.mss = -1;
    this.windowShift = -1;
    this.sackPermitted = false;
    this.hasTimestamp = false;
    this.sackCount = 0;
    const b = this.bytes;
    const end = this.start + this.headerLength;
    let i = this.start + TCP_HEADER_LEN;
    // What nearly every segment of an established connection carries: NOP NOP timestamps, alone.
    if (end - i === TIMESTAMP_OPTION_LEN && b[i] === OPT_NOP && b[i + 1] === OPT_NOP && b[i + 2] === OPT_TIMESTAMP && b[i + 3] === 10) {
      this.hasTimestamp = true;
      this.tsVal = ((b[i + 4]! << 24) | (b[i + 5]! << 16) | (b[i + 6]! << 8) | b[i + 7]!) >>> 0;
      this.tsEcr = ((b[i + 8]! << 24) | (b[i + 9]! << 16) | (b[i + 10]! << 8) | b[i + 11]!) >>> 0;
      return true;
    }
    while (i < end) {
      const kind = b[i]!;
      if (kind === OPT_END) break;
      if (kind === OPT_NOP) {
        i++;
        continue;
      }
      if (i + 1 >= end) return false;
      const len = b[i + 1]!;
      if (len < 2 || i + len > end) return false;
      switch (kind) {
        case OPT_MSS:
          if (len !== 4) return false;
          this.mss = readU16(b, i + 2);
          break;
        case OPT_WSCALE:
          if (len !== 3) return false;
          // RFC 7323 §2.3: a shift above 14 is logged and used as 14.
          this.windowShift = Math.min(b[i + 2]!, MAX_WINDOW_SHIFT);
          break;
        case OPT_SACK_PERMITTED:
          if (len !== 2) return false;
          this.sackPermitted = true;
          break;
        case OPT_TIMESTAMP:
          if (len !== 10) return false;
          this.hasTimestamp = true;
          this.tsVal = readU32(b, i + 2);
          this.tsEcr = readU32(b, i + 6);
          break;
        case OPT_SACK: {
          if ((len - 2) % 8 !== 0 || len === 2) return false;
          const n = Math.min((len - 2) / 8, MAX_SACK_BLOCKS);
          for (let k = 0; k < n; k++) {
            this.sackBlocks[2 * k] = readU32(b, i + 2 + 8 * k);
            this.sackBlocks[2 * k + 1] = readU32(b, i + 6 + 8 * k);
          }
          this.sackCount = n;
          break;
        }
        default:
          // Unknown options are skipped by their length (RFC 9293 §3.2).
          break;
      }
      i += len;
    }
    return true;
  }
}

/** Checksum over the pseudo-header and `bytes[start..end)`; 0 when a received segment is intact. */
export function segmentChecksum(bytes: Uint8Array, start: number, end: number, src: number, dst: number): number {
  // The pseudo-header summed in line (run for every segment each way).
  const sum = sumWords(bytes, start, end, (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + PROTOCOL_TCP + end - start);
  return sum <= 0xffff ? ~sum & 0xffff : finishChecksum(sum);
}

/** Writes the fixed 20-byte header at `b[0..]` with a zero checksum; `headerLength` includes the options. */
export function writeTcpHeader(
  b: Uint8Array,
  sourcePort: number,
  destinationPort: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  headerLength: number,
): void {
  // Byte stores written out: sent on every segment, where a helper call per field costs more than the stores.
  b[0] = sourcePort >>> 8;
  b[1] = sourcePort;
  b[2] = destinationPort >>> 8;
  b[3] = destinationPort;
  b[4] = seq >>> 24;
  b[5] = seq >>> 16;
  b[6] = seq >>> 8;
  b[7] = seq;
  b[8] = ack >>> 24;
  b[9] = ack >>> 16;
  b[10] = ack >>> 8;
  b[11] = ack;
  b[12] = (headerLength / 4) << 4;
  b[13] = flags;
  b[14] = window >>> 8;
  b[15] = window;
  b[16] = 0;
  b[17] = 0;
  b[18] = 0;
  b[19] = 0;
}

/** Fills in the checksum of the segment `b[0..length)` from `src` to `dst`. */
export function fillTcpChecksum(b: Uint8Array, length: number, src: number, dst: number): void {
  b[16] = 0;
  b[17] = 0;
  const sum = segmentChecksum(b, 0, length, src, dst);
  b[16] = sum >>> 8;
  b[17] = sum;
}

/** Writes an MSS option at `b[i..i+4)`; returns the next offset. */
export function writeMssOption(b: Uint8Array, i: number, mss: number): number {
  b[i] = OPT_MSS;
  b[i + 1] = 4;
  writeU16(b, i + 2, mss);
  return i + 4;
}

/** Writes NOP + window scale (4 bytes); returns the next offset. */
export function writeWindowScaleOption(b: Uint8Array, i: number, shift: number): number {
  b[i] = OPT_NOP;
  b[i + 1] = OPT_WSCALE;
  b[i + 2] = 3;
  b[i + 3] = shift;
  return i + 4;
}

/** Writes NOP NOP + SACK-permitted (4 bytes); returns the next offset. */
export function writeSackPermittedOption(b: Uint8Array, i: number): number {
  b[i] = OPT_NOP;
  b[i + 1] = OPT_NOP;
  b[i + 2] = OPT_SACK_PERMITTED;
  b[i + 3] = 2;
  return i + 4;
}

/** Writes NOP NOP + timestamps (12 bytes, RFC 7323 appendix A layout); returns the next offset. */
export function writeTimestampOption(b: Uint8Array, i: number, tsVal: number, tsEcr: number): number {
  b[i] = OPT_NOP;
  b[i + 1] = OPT_NOP;
  b[i + 2] = OPT_TIMESTAMP;
  b[i + 3] = 10;
  b[i + 4] = tsVal >>> 24;
  b[i + 5] = tsVal >>> 16;
  b[i + 6] = tsVal >>> 8;
  b[i + 7] = tsVal;
  b[i + 8] = tsEcr >>> 24;
  b[i + 9] = tsEcr >>> 16;
  b[i + 10] = tsEcr >>> 8;
  b[i + 11] = tsEcr;
  return i + 12;
}

/** Writes NOP NOP + a SACK option with `count` blocks taken from `blocks` (left, right pairs); returns the next offset. */
export function writeSackOption(b: Uint8Array, i: number, blocks: Uint32Array, count: number): number {
  b[i] = OPT_NOP;
  b[i + 1] = OPT_NOP;
  b[i + 2] = OPT_SACK;
  b[i + 3] = 2 + 8 * count;
  for (let k = 0; k < count; k++) {
    writeU32(b, i + 4 + 8 * k, blocks[2 * k]!);
    writeU32(b, i + 8 + 8 * k, blocks[2 * k + 1]!);
  }
  return i + 4 + 8 * count;
}
