/**
 * NewReno congestion control (RFC 5681, RFC 6582): slow start with
 * appropriate byte counting (RFC 3465, L = 2), congestion avoidance, fast
 * recovery entered on three duplicate ACKs (or SACKed loss), partial ACKs
 * keeping recovery going until everything sent before it is acknowledged,
 * and the loss window after a retransmission timeout. The connection decides
 * when these events happen and which segments to send; this class keeps the
 * window arithmetic.
 */

export class NewReno {
  cwnd: number;
  ssthresh = 0x40000000;
  inRecovery = false;
  /** RFC 6582 "recover": SND.MAX when recovery (or a timeout) began. */
  recover = 0;
  /** Bytes acknowledged since cwnd last grew in congestion avoidance. */
  private avoidanceBytes = 0;

  constructor(public mss: number) {
    this.cwnd = NewReno.initialWindow(mss);
  }

  /** RFC 5681 §3.1 initial window. */
  static initialWindow(mss: number): number {
    if (mss > 2190) return 2 * mss;
    if (mss > 1095) return 3 * mss;
    return 4 * mss;
  }

  /** The MSS became known (end of handshake): the window starts from it. */
  setMss(mss: number): void {
    this.mss = mss;
    this.cwnd = NewReno.initialWindow(mss);
  }

  /** New data acknowledged outside recovery. */
  onAck(acked: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd += acked < 2 * this.mss ? acked : 2 * this.mss;
      return;
    }
    this.avoidanceBytes += acked;
    if (this.avoidanceBytes >= this.cwnd) {
      this.avoidanceBytes -= this.cwnd;
      this.cwnd += this.mss;
    }
  }

  /**
   * Fast retransmit: halve the flight into ssthresh and start recovery. With
   * SACK the window is not inflated: the sender counts the pipe instead (RFC 6675).
   */
  enterRecovery(flight: number, sndMax: number, sack: boolean): void {
    this.ssthresh = Math.max(flight / 2, 2 * this.mss);
    this.cwnd = sack ? this.ssthresh : this.ssthresh + 3 * this.mss;
    this.recover = sndMax;
    this.inRecovery = true;
    this.avoidanceBytes = 0;
  }

  /** One more duplicate ACK in NewReno recovery without SACK: one segment left the network. */
  inflate(): void {
    this.cwnd += this.mss;
  }

  /** RFC 6582 §3.2 step 5: deflate by what a partial ACK acknowledged, add back one MSS if it covered one. */
  partialAck(acked: number, sack: boolean): void {
    if (sack) return;
    this.cwnd = Math.max(this.cwnd - acked, this.mss);
    if (acked >= this.mss) this.cwnd += this.mss;
  }

  /** RFC 6582 §3.2 step 3 (full ACK), option 1: cwnd = min(ssthresh, flight + MSS). */
  exitRecovery(flight: number): void {
    this.cwnd = Math.min(this.ssthresh, Math.max(flight, this.mss) + this.mss);
    this.inRecovery = false;
  }

  /** RFC 5681 §3.1 equation 4 and the loss window after a retransmission timeout. */
  onTimeout(flight: number, sndMax: number): void {
    this.ssthresh = Math.max(flight / 2, 2 * this.mss);
    this.cwnd = this.mss;
    this.inRecovery = false;
    this.recover = sndMax;
    this.avoidanceBytes = 0;
  }

  /** RFC 5681 §4.1: after an idle period longer than the RTO, restart from the initial window. */
  restartAfterIdle(): void {
    this.cwnd = Math.min(this.cwnd, NewReno.initialWindow(this.mss));
  }
}
