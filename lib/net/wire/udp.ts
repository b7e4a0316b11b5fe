/** UDP datagrams (RFC 768). */
import { readU16, writeU16 } from './bytes.ts';
import { finishChecksum, pseudoHeaderSum, sumWords } from './checksum.ts';
import { PROTOCOL_UDP } from './ipv4.ts';
import { WireView } from './view.ts';

export const UDP_HEADER_LEN = 8;
/** Largest UDP payload in one IPv4 datagram: 65535 - 20 - 8. */
export const UDP_MAX_PAYLOAD = 65507;

export type UdpInvalid = 'truncated' | 'length' | 'checksum';

/** A re-pointable view of one UDP datagram; `wrap` checks the length field and the checksum. */
export class UdpView extends WireView {
  length = 0;

  /** `src`/`dst` are the IPv4 addresses, for the pseudo-header. */
  wrap(bytes: Uint8Array, start: number, end: number, src: number, dst: number): UdpInvalid | null {
    this.point(bytes, start, end);
    if (end - start < UDP_HEADER_LEN) return 'truncated';
    const length = readU16(bytes, start + 4);
    if (length < UDP_HEADER_LEN || length > end - start) return 'length';
    this.length = length;
    // A zero checksum means the sender computed none (RFC 768).
    if (readU16(bytes, start + 6) === 0) return null;
    const sum = sumWords(bytes, start, start + length, pseudoHeaderSum(src, dst, PROTOCOL_UDP, length));
    return finishChecksum(sum) === 0 ? null : 'checksum';
  }

  get sourcePort(): number {
    return readU16(this.bytes, this.start);
  }

  get destinationPort(): number {
    return readU16(this.bytes, this.start + 2);
  }

  get payloadStart(): number {
    return this.start + UDP_HEADER_LEN;
  }

  get payloadEnd(): number {
    return this.start + this.length;
  }
}

/** Writes a UDP header at `buf[off..]` for the `payloadLength` bytes that follow it, checksum included. */
export function writeUdpHeader(
  buf: Uint8Array,
  off: number,
  srcPort: number,
  dstPort: number,
  payloadLength: number,
  src: number,
  dst: number,
): void {
  const length = UDP_HEADER_LEN + payloadLength;
  writeU16(buf, off, srcPort);
  writeU16(buf, off + 2, dstPort);
  writeU16(buf, off + 4, length);
  writeU16(buf, off + 6, 0);
  const sum = finishChecksum(sumWords(buf, off, off + length, pseudoHeaderSum(src, dst, PROTOCOL_UDP, length)));
  // A computed zero is sent as all ones, since zero means "no checksum" (RFC 768).
  writeU16(buf, off + 6, sum === 0 ? 0xffff : sum);
}
