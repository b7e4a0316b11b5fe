/** ARP for IPv4 over Ethernet (RFC 826). */
import { readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { writeMac } from './ethernet.ts';
import { WireView } from './view.ts';

export const ARP_PACKET_LEN = 28;
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

const HTYPE_ETHERNET = 1;
const PTYPE_IPV4 = 0x0800;

export type ArpInvalid = 'truncated' | 'unsupported' | 'bad-operation';

/** A re-pointable view of one ARP packet. */
export class ArpView extends WireView {
  wrap(bytes: Uint8Array, start: number, end: number): ArpInvalid | null {
    this.point(bytes, start, end);
    if (end - start < ARP_PACKET_LEN) return 'truncated';
    if (readU16(bytes, start) !== HTYPE_ETHERNET || readU16(bytes, start + 2) !== PTYPE_IPV4) return 'unsupported';
    if (bytes[start + 4] !== 6 || bytes[start + 5] !== 4) return 'unsupported';
    const op = this.operation;
    return op === ARP_REQUEST || op === ARP_REPLY ? null : 'bad-operation';
  }

  get operation(): number {
    return readU16(this.bytes, this.start + 6);
  }

  get senderMacOffset(): number {
    return this.start + 8;
  }

  get senderIp(): number {
    return readU32(this.bytes, this.start + 14);
  }

  get targetMacOffset(): number {
    return this.start + 18;
  }

  get targetIp(): number {
    return readU32(this.bytes, this.start + 24);
  }
}

/** Writes a 28-byte ARP packet at `buf[off..]`. */
export function writeArp(
  buf: Uint8Array,
  off: number,
  operation: number,
  senderMac: Uint8Array,
  senderIp: number,
  targetMac: Uint8Array,
  targetIp: number,
): void {
  writeU16(buf, off, HTYPE_ETHERNET);
  writeU16(buf, off + 2, PTYPE_IPV4);
  buf[off + 4] = 6;
  buf[off + 5] = 4;
  writeU16(buf, off + 6, operation);
  writeMac(buf, off + 8, senderMac);
  writeU32(buf, off + 14, senderIp);
  writeMac(buf, off + 18, targetMac);
  writeU32(buf, off + 24, targetIp);
}
