/** The send ring, the receive ring with reassembly and SACK blocks, and the SACK scoreboard. */
import { describe, expect, it } from 'vitest';
import { ReceiveBuffer, MAX_OUT_OF_ORDER_RANGES } from './receive-buffer.ts';
import { SackScoreboard } from './sack-scoreboard.ts';
import { SendBuffer } from './send-buffer.ts';

const seqBytes = (from: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);

describe('SendBuffer', () => {
  it('takes what fits, wraps around, and copies out from any offset', () => {
    const b = new SendBuffer(10);
    expect(b.append(seqBytes(0, 8), 0, 8)).toBe(8);
    expect(b.append(seqBytes(8, 5), 0, 5)).toBe(2);
    expect(b.free).toBe(0);
    b.consume(6);
    expect(b.append(seqBytes(10, 6), 0, 6)).toBe(6);
    const out = new Uint8Array(10);
    b.copyOut(0, 10, out, 0);
    expect(out).toEqual(seqBytes(6, 10));
    const mid = new Uint8Array(3);
    b.copyOut(3, 3, mid, 0);
    expect(mid).toEqual(seqBytes(9, 3));
  });
});

describe('ReceiveBuffer', () => {
  it('reassembles out-of-order data in place and reports how far RCV.NXT moves', () => {
    const r = new ReceiveBuffer(16);
    expect(r.write(4, seqBytes(4, 4), 0, 4)).toBe(0);
    expect(r.write(10, seqBytes(10, 2), 0, 2)).toBe(0);
    expect(r.hasOutOfOrder).toBe(true);
    expect(r.write(0, seqBytes(0, 4), 0, 4)).toBe(8);
    expect(r.write(0, seqBytes(8, 2), 0, 2)).toBe(4);
    expect(r.hasOutOfOrder).toBe(false);
    expect(r.read(100)).toEqual(seqBytes(0, 12));
    expect(r.space).toBe(16);
  });

  it('wraps around the ring', () => {
    const r = new ReceiveBuffer(8);
    r.write(0, seqBytes(0, 6), 0, 6);
    expect(r.read(6)).toEqual(seqBytes(0, 6));
    r.write(3, seqBytes(9, 4), 0, 4);
    r.write(0, seqBytes(6, 3), 0, 3);
    expect(r.read(8)).toEqual(seqBytes(6, 7));
  });

  it('lists SACK blocks most recent first', () => {
    const r = new ReceiveBuffer(100);
    r.write(10, seqBytes(0, 5), 0, 5);
    r.write(30, seqBytes(0, 5), 0, 5);
    r.write(20, seqBytes(0, 5), 0, 5);
    r.write(15, seqBytes(0, 2), 0, 2); // extends the first block: now the most recent
    const out = new Uint32Array(8);
    expect(r.sackBlocks(1000, out, 3)).toBe(3);
    expect([...out.subarray(0, 6)]).toEqual([1010, 1017, 1020, 1025, 1030, 1035]);
  });

  it('refuses a new range beyond its limit, keeping memory bounded', () => {
    const r = new ReceiveBuffer(1000);
    for (let i = 0; i < MAX_OUT_OF_ORDER_RANGES; i++) expect(r.write(2 + i * 3, seqBytes(0, 1), 0, 1)).toBe(0);
    expect(r.write(900, seqBytes(0, 1), 0, 1)).toBe(-1);
    // Extending an existing range still works.
    expect(r.write(3, seqBytes(0, 1), 0, 1)).toBe(0);
  });
});

describe('SackScoreboard', () => {
  it('merges blocks, ignores stale and bogus ones, finds holes', () => {
    const s = new SackScoreboard();
    const una = 1000;
    const max = 2000;
    expect(s.add(1100, 1200, una, max)).toBe(true);
    expect(s.add(1300, 1400, una, max)).toBe(true);
    expect(s.add(1100, 1200, una, max)).toBe(false);
    expect(s.add(900, 1100, una, max)).toBe(false); // below SND.UNA (D-SACK)
    expect(s.add(1900, 2100, una, max)).toBe(false); // beyond SND.MAX
    expect(s.sackedBytes).toBe(200);
    expect(s.highest).toBe(1400);
    expect(s.nextHole(una)).toBe(true);
    expect([s.holeStart, s.holeEnd]).toEqual([1000, 1100]);
    expect(s.nextHole(1100)).toBe(true);
    expect([s.holeStart, s.holeEnd]).toEqual([1200, 1300]);
    expect(s.nextHole(1300)).toBe(false);
    expect(s.add(1200, 1300, una, max)).toBe(true);
    expect(s.sackedBytes).toBe(300);
    expect(s.sackedBelow(1250)).toBe(150);
    s.advance(1150);
    expect(s.sackedBytes).toBe(250);
    s.advance(1400);
    expect(s.isEmpty).toBe(true);
  });

  it('works across sequence number wrap-around', () => {
    const s = new SackScoreboard();
    const una = 0xffffff00;
    expect(s.add(0xffffff80, 0x80, una, 0x1000)).toBe(true);
    expect(s.sackedBytes).toBe(0x100);
    expect(s.nextHole(una)).toBe(true);
    expect([s.holeStart, s.holeEnd]).toEqual([0xffffff00, 0xffffff80]);
  });
});

describe('buffer memory', () => {
  it('is allocated on first use and given back when empty', () => {
    const s = new SendBuffer(1 << 20);
    s.release();
    expect(s.append(seqBytes(0, 3), 0, 3)).toBe(3);
    s.release(); // not empty: kept
    const out = new Uint8Array(3);
    s.copyOut(0, 3, out, 0);
    expect(out).toEqual(seqBytes(0, 3));
    s.consume(3);
    s.release();
    expect(s.append(seqBytes(5, 2), 0, 2)).toBe(2);
    s.copyOut(0, 2, out, 0);
    expect(out.subarray(0, 2)).toEqual(seqBytes(5, 2));
    const r = new ReceiveBuffer(1 << 20);
    expect(r.read(10)).toEqual(new Uint8Array(0));
    r.write(0, seqBytes(0, 4), 0, 4);
    r.release(); // holds data: kept
    expect(r.read(10)).toEqual(seqBytes(0, 4));
    r.release();
    r.write(0, seqBytes(9, 1), 0, 1);
    expect(r.read(10)).toEqual(seqBytes(9, 1));
  });
});
