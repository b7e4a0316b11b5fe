/**
 * Builders of whole Ethernet frames for tests that craft packets by hand:
 * each returns a new array, with lengths and checksums filled in unless told
 * otherwise. Built on the stack's own wire writers.
 */
import { writeArp } from '../net/wire/arp.ts';
import { writeU16 } from '../net/wire/bytes.ts';
import { checksum } from '../net/wire/checksum.ts';
import { ETHERNET_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, writeEthernetHeader } from '../net/wire/ethernet.ts';
import { ICMP_HEADER_LEN, writeIcmpHeader } from '../net/wire/icmpv4.ts';
import { IPV4_HEADER_LEN, writeIpv4Header } from '../net/wire/ipv4.ts';
import { UDP_HEADER_LEN, writeUdpHeader } from '../net/wire/udp.ts';

export function ethernetFrame(dst: Uint8Array, src: Uint8Array, etherType: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(ETHERNET_HEADER_LEN + payload.length);
  writeEthernetHeader(f, 0, dst, src, etherType);
  f.set(payload, ETHERNET_HEADER_LEN);
  return f;
}

export function arpFrame(
  ethDst: Uint8Array,
  operation: number,
  senderMac: Uint8Array,
  senderIp: number,
  targetMac: Uint8Array,
  targetIp: number,
): Uint8Array {
  const p = new Uint8Array(28);
  writeArp(p, 0, operation, senderMac, senderIp, targetMac, targetIp);
  return ethernetFrame(ethDst, senderMac, ETHERTYPE_ARP, p);
}

export interface Ipv4Fields {
  src: number;
  dst: number;
  protocol: number;
  id?: number;
  /** Flag bits and offset in 8-byte units, as on the wire. */
  flagsAndOffset?: number;
  ttl?: number;
}

/** An IPv4 packet (20-byte header) carrying `payload`. */
export function ipv4Packet(fields: Ipv4Fields, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(IPV4_HEADER_LEN + payload.length);
  writeIpv4Header(p, 0, p.length, fields.id ?? 1, fields.flagsAndOffset ?? 0, fields.ttl ?? 64, fields.protocol, fields.src, fields.dst);
  p.set(payload, IPV4_HEADER_LEN);
  return p;
}

/**
 * Recomputes the header checksum of the IPv4 packet at `start` (header length
 * as its first byte says), so that a header a test changed on purpose fails
 * only where the test meant it to.
 */
export function refreshIpv4Checksum(bytes: Uint8Array, start = 0): void {
  writeU16(bytes, start + 10, 0);
  writeU16(bytes, start + 10, checksum(bytes, start, start + (bytes[start]! & 15) * 4));
}

export function ipv4Frame(dst: Uint8Array, src: Uint8Array, fields: Ipv4Fields, payload: Uint8Array): Uint8Array {
  return ethernetFrame(dst, src, ETHERTYPE_IPV4, ipv4Packet(fields, payload));
}

/** A UDP datagram (header + data) with its checksum for the given addresses. */
export function udpDatagram(src: number, dst: number, srcPort: number, dstPort: number, data: Uint8Array): Uint8Array {
  const d = new Uint8Array(UDP_HEADER_LEN + data.length);
  d.set(data, UDP_HEADER_LEN);
  writeUdpHeader(d, 0, srcPort, dstPort, data.length, src, dst);
  return d;
}

/** An ICMP message: type, code, two header words, then `body`. */
export function icmpMessage(type: number, code: number, word1: number, word2: number, body: Uint8Array): Uint8Array {
  const m = new Uint8Array(ICMP_HEADER_LEN + body.length);
  m.set(body, ICMP_HEADER_LEN);
  writeIcmpHeader(m, 0, m.length, type, code, word1, word2);
  return m;
}

