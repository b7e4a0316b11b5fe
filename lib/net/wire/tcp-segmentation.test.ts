import { describe, expect, it } from 'vitest';
import { ETHERNET_HEADER_LEN } from './ethernet.ts';
import { Ipv4View, writeIpv4Header, PROTOCOL_TCP } from './ipv4.ts';
import { ACK, FIN, PSH, TcpView, fillTcpChecksum, writeTcpHeader, writeTimestampOption } from './tcp.ts';
import { segmentTcpFrame } from './tcp-segmentation.ts';

const SRC = 0x0a000002;
const DST = 0x0a000003;

/** An Ethernet frame holding one TCP segment with a timestamps option and `payload`. */
function largeFrame(payload: Uint8Array, flags: number): Uint8Array {
  const hl = 32;
  const f = new Uint8Array(ETHERNET_HEADER_LEN + 20 + hl + payload.length);
  f[12] = 0x08;
  const tcp = f.subarray(ETHERNET_HEADER_LEN + 20);
  writeTimestampOption(tcp, 20, 7, 9);
  tcp.set(payload, hl);
  writeTcpHeader(tcp, 1000, 80, 0xfffffff0, 55, flags, 500, hl);
  fillTcpChecksum(tcp, hl + payload.length, SRC, DST);
  writeIpv4Header(f, ETHERNET_HEADER_LEN, 20 + hl + payload.length, 0xfffe, 0, 64, PROTOCOL_TCP, SRC, DST);
  return f;
}

describe('segmentTcpFrame', () => {
  it('cuts a large segment into valid standard ones, as a device would', () => {
    const payload = Uint8Array.from({ length: 3000 }, (_, i) => i * 7);
    const pieces: Uint8Array[] = [];
    segmentTcpFrame(largeFrame(payload, ACK | PSH | FIN), 1448, new Uint8Array(1514), (p) => pieces.push(p.slice()));
    expect(pieces.map((p) => p.length)).toEqual([1514, 1514, ETHERNET_HEADER_LEN + 52 + 104]);
    const ip = new Ipv4View();
    const tcp = new TcpView();
    const joined: number[] = [];
    pieces.forEach((p, n) => {
      expect(ip.wrap(p, ETHERNET_HEADER_LEN, p.length)).toBeNull();
      expect(ip.identification).toBe((0xfffe + n) & 0xffff);
      expect(tcp.wrap(p, ip.payloadStart, p.length, SRC, DST)).toBeNull(); // checksum and options valid
      expect(tcp.seq).toBe((0xfffffff0 + n * 1448) >>> 0);
      expect([tcp.ack, tcp.window, tcp.tsVal, tcp.tsEcr]).toEqual([55, 500, 7, 9]);
      expect(tcp.flags).toBe(n === 2 ? ACK | PSH | FIN : ACK);
      joined.push(...p.subarray(tcp.payloadStart));
    });
    expect(Uint8Array.from(joined)).toEqual(payload);
  });

  it('passes a segment that already fits as one piece', () => {
    const pieces: Uint8Array[] = [];
    const frame = largeFrame(new Uint8Array(100).fill(1), ACK);
    segmentTcpFrame(frame, 1448, new Uint8Array(1514), (p) => pieces.push(p.slice()));
    expect(pieces).toEqual([frame]);
  });
});
