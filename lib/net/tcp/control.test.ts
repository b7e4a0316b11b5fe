/** Sequence arithmetic, RTO estimation (RFC 6298), NewReno window arithmetic, SYN cookies. */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../testing/virtual-clock.ts';
import { NewReno } from './congestion.ts';
import { RttEstimator } from './rtt.ts';
import { seqAdd, seqGt, seqLt } from './seq.ts';
import { SynCookies, decodeCookieTimestamp, encodeCookieTimestamp } from './syn-cookies.ts';

describe('sequence numbers', () => {
  it('compare modulo 2^32', () => {
    expect(seqLt(0xfffffff0, 5)).toBe(true);
    expect(seqGt(5, 0xfffffff0)).toBe(true);
    expect(seqAdd(0xffffffff, 2)).toBe(1);
  });
});

describe('RttEstimator', () => {
  it('starts at 1 s, follows RFC 6298 on samples, backs off and clamps', () => {
    const r = new RttEstimator(1000, 60_000);
    expect(r.rtoMs).toBe(1000);
    r.sample(2000);
    expect([r.srttMs, r.rttvarMs, r.rtoMs]).toEqual([2000, 1000, 6000]);
    r.sample(1000);
    expect(r.srttMs).toBe(1875);
    expect(r.rttvarMs).toBe(1000);
    expect(r.rtoMs).toBe(5875);
    for (let i = 0; i < 10; i++) r.backoff();
    expect(r.rtoMs).toBe(60_000);
    const fast = new RttEstimator(1000, 60_000);
    fast.sample(2);
    expect(fast.rtoMs).toBe(1000);
  });

  it('uses 3 s after a retransmitted SYN when nothing was measured (RFC 6298 §5.7)', () => {
    const r = new RttEstimator(1000, 60_000);
    r.synRetransmitted();
    expect(r.rtoMs).toBe(3000);
  });
});

describe('NewReno', () => {
  it('uses the RFC 5681 initial window, slow start, then congestion avoidance', () => {
    const cc = new NewReno(1000);
    expect(cc.cwnd).toBe(4000);
    cc.onAck(1000);
    expect(cc.cwnd).toBe(5000);
    cc.ssthresh = 5000;
    cc.onAck(1000);
    expect(cc.cwnd).toBe(5000);
    for (let i = 0; i < 4; i++) cc.onAck(1000);
    expect(cc.cwnd).toBe(6000);
    expect(new NewReno(1460).cwnd).toBe(4380);
    expect(new NewReno(8960).cwnd).toBe(17920);
  });

  it('halves into ssthresh on fast retransmit, inflates, deflates on partial ACKs, exits on full ACK', () => {
    const cc = new NewReno(1000);
    cc.enterRecovery(20_000, 5000, false);
    expect([cc.ssthresh, cc.cwnd, cc.recover, cc.inRecovery]).toEqual([10_000, 13_000, 5000, true]);
    cc.inflate();
    expect(cc.cwnd).toBe(14_000);
    cc.partialAck(3000, false);
    expect(cc.cwnd).toBe(12_000);
    cc.exitRecovery(4000);
    expect([cc.cwnd, cc.inRecovery]).toEqual([5000, false]);
    cc.onTimeout(8000, 9000);
    expect([cc.cwnd, cc.ssthresh]).toEqual([1000, 4000]);
  });
});

describe('SYN cookies', () => {
  it('check what they made, for two minutes at most, and only for the same connection', () => {
    const clock = new VirtualClock();
    const cookies = new SynCookies(clock, new Uint8Array(16).fill(3));
    const c = cookies.make(1, 80, 2, 5000, 777, 1460);
    expect(cookies.check(1, 80, 2, 5000, 777, c)).toBe(1460);
    expect(cookies.check(1, 80, 2, 5001, 777, c)).toBe(-1);
    expect(cookies.check(1, 80, 2, 5000, 778, c)).toBe(-1);
    expect(cookies.check(1, 80, 2, 5000, 777, (c ^ 0x01000000) >>> 0)).toBe(-1); // another MSS index
    clock.advance(64_000);
    expect(cookies.check(1, 80, 2, 5000, 777, c)).toBe(1460);
    clock.advance(64_000);
    expect(cookies.check(1, 80, 2, 5000, 777, c)).toBe(-1);
  });

  it('encode the MSS as the largest table entry not above the offer', () => {
    const cookies = new SynCookies(new VirtualClock(), new Uint8Array(16));
    const mssOf = (offer: number): number => cookies.check(1, 1, 2, 2, 0, cookies.make(1, 1, 2, 2, 0, offer));
    expect([mssOf(100), mssOf(1459), mssOf(1460), mssOf(9000)]).toEqual([536, 1452, 1460, 8960]);
  });

  it('carry window scale and SACK in a timestamp that never runs ahead of the clock', () => {
    for (const [shift, sack] of [
      [7, true],
      [-1, false],
      [14, false],
    ] as const) {
      const ts = encodeCookieTimestamp(1000, shift, sack);
      expect(seqGt(ts, 1000)).toBe(false);
      expect(decodeCookieTimestamp(ts, 1460)).toEqual({ mss: 1460, windowShift: shift, sackPermitted: sack });
    }
  });
});
