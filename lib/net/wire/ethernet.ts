/** Ethernet II frames (IEEE 802.3 with an EtherType; no FCS, the host strips it). */
import { writeU16 } from './bytes.ts';
import { WireView } from './view.ts';

export const ETHERNET_HEADER_LEN = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;

export const BROADCAST_MAC: Uint8Array = new Uint8Array([255, 255, 255, 255, 255, 255]);

/** True when the 6 bytes at `a[ai..]` equal those at `b[bi..]` (one expression: a loop costs QuickJS four times the operations). */
export function macEquals(a: Uint8Array, ai: number, b: Uint8Array, bi = 0): boolean {
  return (
    ((a[ai]! ^ b[bi]!) | (a[ai + 1]! ^ b[bi + 1]!) | (a[ai + 2]! ^ b[bi + 2]!) | (a[ai + 3]! ^ b[bi + 3]!) | (a[ai + 4]! ^ b[bi + 4]!) | (a[ai + 5]! ^ b[bi + 5]!)) ===
    0
  );
}

/** A re-pointable view of one Ethernet frame; `wrap` reads the fields every frame needs into plain fields. */
export class EthernetView extends WireView {
  etherType = 0;
  payloadStart = 0;
  /** Group bit of the destination: broadcast and multicast. */
  isGroupDestination = false;

  /** Points the view at `bytes[start..end)`; returns the reason it is not a frame, or null. */
  wrap(bytes: Uint8Array, start = 0, end = bytes.length): 'truncated' | null {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    if (end - start < ETHERNET_HEADER_LEN) return 'truncated';
    this.etherType = (bytes[start + 12]! << 8) | bytes[start + 13]!;
    this.payloadStart = start + ETHERNET_HEADER_LEN;
    this.isGroupDestination = (bytes[start]! & 1) === 1;
    return null;
  }

  /** Offset of the destination MAC in `bytes`. */
  get destinationOffset(): number {
    return this.start;
  }

  get isBroadcast(): boolean {
    return macEquals(this.bytes, this.start, BROADCAST_MAC);
  }
}

/** Copies the MAC `mac` (6 bytes long) to `buf[off..]`: one native copy, where a loop costs QuickJS over a hundred operations. */
export function writeMac(buf: Uint8Array, off: number, mac: Uint8Array): void {
  buf.set(mac, off);
}

/** Writes a 14-byte Ethernet header at `buf[off..]`. */
export function writeEthernetHeader(buf: Uint8Array, off: number, dst: Uint8Array, src: Uint8Array, etherType: number): void {
  writeMac(buf, off, dst);
  writeMac(buf, off + 6, src);
  writeU16(buf, off + 12, etherType);
}
