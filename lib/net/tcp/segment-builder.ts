/**
 * Writing whole segments into a transmit buffer: the SYN option set and
 * stateless resets. Shared by connections, listeners (SYN cookies) and the
 * layer (resets for segments that match no socket).
 */
import {
  ACK,
  MAX_WINDOW_SHIFT,
  RST,
  TCP_HEADER_LEN,
  writeMssOption,
  writeSackPermittedOption,
  writeTcpHeader,
  writeTimestampOption,
  writeWindowScaleOption,
} from '../wire/tcp.ts';

export interface SynOptions {
  mss: number;
  /** Our window shift to offer, or -1 to offer none. */
  windowShift: number;
  sackPermitted: boolean;
  timestamps: boolean;
  tsVal: number;
  tsEcr: number;
}

/** Writes the SYN options at `b[at..]`; returns the offset after them (a multiple of 4 when `at` is). */
export function writeSynOptions(b: Uint8Array, at: number, o: SynOptions): number {
  let i = writeMssOption(b, at, o.mss);
  if (o.windowShift >= 0) i = writeWindowScaleOption(b, i, o.windowShift);
  if (o.sackPermitted) i = writeSackPermittedOption(b, i);
  if (o.timestamps) i = writeTimestampOption(b, i, o.tsVal, o.tsEcr);
  return i;
}

/**
 * Writes a reset answering a segment (RFC 9293 §3.10.7.1): if it carried an
 * ACK, <SEQ=SEG.ACK><CTL=RST>; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 * Returns the length (header only).
 */
export function writeResetFor(
  b: Uint8Array,
  localPort: number,
  remotePort: number,
  segHasAck: boolean,
  segAck: number,
  segSeqPlusLen: number,
): number {
  if (segHasAck) writeTcpHeader(b, localPort, remotePort, segAck, 0, RST, 0, TCP_HEADER_LEN);
  else writeTcpHeader(b, localPort, remotePort, 0, segSeqPlusLen >>> 0, RST | ACK, 0, TCP_HEADER_LEN);
  return TCP_HEADER_LEN;
}

/** The window shift to offer (RFC 7323 §2.2): the smallest that lets the whole receive buffer be advertised. */
export function windowShiftFor(receiveBufferSize: number): number {
  let shift = 0;
  while (shift < MAX_WINDOW_SHIFT && receiveBufferSize >>> shift > 0xffff) shift++;
  return shift;
}
