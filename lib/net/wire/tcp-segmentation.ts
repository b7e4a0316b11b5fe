/**
 * Cutting one large TCP/IPv4 segment into standard ones, as a device with
 * TCP segmentation offload does (Linux's tcp_gso_segment): the Ethernet, IP
 * and TCP headers repeated, options included; the IP identification counted
 * up; sequence numbers, lengths and both checksums fixed up; FIN and PSH on
 * the last piece only, CWR on the first only. For devices that cannot
 * segment (the virtual switch, and packets queued for ARP).
 */
import { readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { checksum } from './checksum.ts';
import { ETHERNET_HEADER_LEN } from './ethernet.ts';
import { FIN, PSH, segmentChecksum } from './tcp.ts';

const CWR = 0x80;

/**
 * Calls `emit` with each standard frame of the large one in
 * `frame[0..frame.length)` (Ethernet, IPv4, TCP), each carrying at most
 * `segmentSize` payload bytes. The emitted frame is a view of `scratch`
 * (at least the headers plus `segmentSize` long), valid during the call.
 */
export function segmentTcpFrame(frame: Uint8Array, segmentSize: number, scratch: Uint8Array, emit: (piece: Uint8Array) => void): void {
  const ip = ETHERNET_HEADER_LEN;
  const tcp = ip + (frame[ip]! & 15) * 4;
  const payload = tcp + (frame[tcp + 12]! >> 4) * 4;
  const src = readU32(frame, ip + 12);
  const dst = readU32(frame, ip + 16);
  const id = readU16(frame, ip + 4);
  const seq = readU32(frame, tcp + 4);
  const flags = frame[tcp + 13]!;
  scratch.set(frame.subarray(0, payload));
  for (let off = 0, n = 0; ; off += segmentSize, n++) {
    const len = Math.min(segmentSize, frame.length - payload - off);
    const last = payload + off + len >= frame.length;
    scratch.set(frame.subarray(payload + off, payload + off + len), payload);
    const end = payload + len;
    writeU16(scratch, ip + 2, end - ip);
    writeU16(scratch, ip + 4, (id + n) & 0xffff);
    writeU16(scratch, ip + 10, 0);
    writeU16(scratch, ip + 10, checksum(scratch, ip, tcp));
    writeU32(scratch, tcp + 4, (seq + off) >>> 0);
    scratch[tcp + 13] = flags & ~(last ? 0 : FIN | PSH) & ~(n === 0 ? 0 : CWR);
    writeU16(scratch, tcp + 16, 0);
    writeU16(scratch, tcp + 16, segmentChecksum(scratch, tcp, end, src, dst));
    emit(scratch.subarray(0, end));
    if (last) break;
  }
}
