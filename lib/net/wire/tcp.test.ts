import { describe, expect, it } from 'vitest';
import {
  ACK,
  SYN,
  TcpView,
  fillTcpChecksum,
  segmentChecksum,
  writeSackOption,
  writeTcpHeader,
  writeTimestampOption,
  writeMssOption,
  writeWindowScaleOption,
  writeSackPermittedOption,
} from './tcp.ts';

const SRC = 0x0a000001;
const DST = 0x0a000002;

function segment(options: number[], payload: number[] = []): Uint8Array {
  const hl = 20 + options.length;
  const b = new Uint8Array(hl + payload.length);
  writeTcpHeader(b, 1234, 80, 0xfffffff0, 0x01020304, SYN | ACK, 4096, hl);
  b.set(options, 20);
  b.set(payload, hl);
  fillTcpChecksum(b, b.length, SRC, DST);
  return b;
}

describe('TCP wire view', () => {
  it('round-trips the header fields and every option kind', () => {
    const b = new Uint8Array(60);
    let i = writeMssOption(b, 20, 1460);
    i = writeWindowScaleOption(b, i, 7);
    i = writeSackPermittedOption(b, i);
    i = writeTimestampOption(b, i, 0xdeadbeef, 42);
    expect(i).toBe(44);
    const blocks = Uint32Array.of(100, 200);
    const n = writeSackOption(b, i, blocks, 1);
    expect(n).toBe(56);
    writeTcpHeader(b, 1234, 80, 7, 9, ACK, 1000, n);
    const seg = b.slice(0, n + 3);
    seg.set([1, 2, 3], n);
    fillTcpChecksum(seg, seg.length, SRC, DST);
    const v = new TcpView();
    expect(v.wrap(seg, 0, seg.length, SRC, DST)).toBeNull();
    expect([v.sourcePort, v.destinationPort, v.seq, v.ack, v.flags, v.window]).toEqual([1234, 80, 7, 9, ACK, 1000]);
    expect([v.mss, v.windowShift, v.sackPermitted, v.hasTimestamp, v.tsVal, v.tsEcr]).toEqual([1460, 7, true, true, 0xdeadbeef, 42]);
    expect(v.sackCount).toBe(1);
    expect([v.sackBlocks[0], v.sackBlocks[1]]).toEqual([100, 200]);
    expect([v.payloadStart, v.payloadLength]).toEqual([n, 3]);
  });

  it('verifies the checksum over the pseudo-header', () => {
    const seg = segment([], [1, 2, 3]);
    expect(segmentChecksum(seg, 0, seg.length, SRC, DST)).toBe(0);
    const v = new TcpView();
    expect(v.wrap(seg, 0, seg.length, SRC, DST + 1)).toBe('checksum');
    seg[21] = seg[21]! ^ 1;
    expect(v.wrap(seg, 0, seg.length, SRC, DST)).toBe('checksum');
  });

  it('rejects truncated segments and impossible data offsets', () => {
    const v = new TcpView();
    expect(v.wrap(new Uint8Array(19), 0, 19, SRC, DST)).toBe('truncated');
    const short = segment([]);
    short[12] = 4 << 4; // 16 bytes
    expect(v.wrap(short, 0, short.length, SRC, DST)).toBe('data-offset');
    const long = segment([]);
    long[12] = 6 << 4; // 24 bytes, but only 20 present
    expect(v.wrap(long, 0, long.length, SRC, DST)).toBe('data-offset');
  });

  it('rejects options with bad lengths or running past the header', () => {
    const v = new TcpView();
    for (const bad of [
      [2, 3, 0, 0], // MSS of length 3
      [2, 0, 0, 0], // length 0
      [8, 10, 0, 0], // timestamp running past the header
      [5, 2, 0, 0], // SACK with no block
      [3, 4, 7, 0], // window scale of length 4
      [1, 1, 1, 9], // kind 9 with no length byte
    ]) {
      const seg = segment(bad);
      expect(v.wrap(seg, 0, seg.length, SRC, DST)).toBe('options');
    }
  });

  it('skips unknown options and stops at end-of-options; clamps a window shift above 14', () => {
    const v = new TcpView();
    const seg = segment([99, 4, 0, 0, 3, 3, 20, 0, 0, 2, 4, 0]);
    expect(v.wrap(seg, 0, seg.length, SRC, DST)).toBeNull();
    expect(v.windowShift).toBe(14);
    expect(v.mss).toBe(-1); // after end-of-options
  });

  it('reads a view inside a larger buffer without looking outside it', () => {
    const seg = segment([], [9, 9]);
    const big = new Uint8Array(seg.length + 10).fill(0xee);
    big.set(seg, 5);
    const v = new TcpView();
    expect(v.wrap(big, 5, 5 + seg.length, SRC, DST)).toBeNull();
    expect(v.payloadLength).toBe(2);
    expect(v.seq).toBe(0xfffffff0);
  });
});
