/**
 * Retransmission timeout (RFC 6298): smoothed RTT and its variation from
 * samples, RTO = SRTT + max(G, 4 * RTTVAR) clamped to [min, max], doubled on
 * each timeout (exponential backoff) until a new sample arrives.
 */

/** Clock granularity G: timers run on a millisecond clock. */
const GRANULARITY_MS = 1;
/** RFC 6298 §5.7: RTO after the handshake when the SYN had to be retransmitted and no sample exists. */
const POST_SYN_TIMEOUT_RTO_MS = 3000;

export class RttEstimator {
  srttMs = 0;
  rttvarMs = 0;
  rtoMs: number;
  hasSample = false;

  constructor(
    private readonly minRtoMs: number,
    private readonly maxRtoMs: number,
  ) {
    this.rtoMs = initialRtoMs(minRtoMs, maxRtoMs);
  }

  /** Takes one round-trip measurement (RFC 6298 §2.2, §2.3). */
  sample(rttMs: number): void {
    // Taken on every acknowledgement: minimums and maximums written out (a call costs QuickJS more).
    const r = rttMs > 0 ? rttMs : 0;
    if (!this.hasSample) {
      this.srttMs = r;
      this.rttvarMs = r / 2;
      this.hasSample = true;
    } else {
      const error = this.srttMs - r;
      this.rttvarMs = 0.75 * this.rttvarMs + 0.25 * (error < 0 ? -error : error);
      this.srttMs = 0.875 * this.srttMs + 0.125 * r;
    }
    const variation = 4 * this.rttvarMs;
    this.rtoMs = this.clamp(this.srttMs + (variation > GRANULARITY_MS ? variation : GRANULARITY_MS));
  }

  /** Doubles the timeout after it expired (RFC 6298 §5.5). */
  backoff(): void {
    this.rtoMs = Math.min(this.rtoMs * 2, this.maxRtoMs);
  }

  /** The handshake completed after a SYN retransmission with no sample taken. */
  synRetransmitted(): void {
    if (!this.hasSample) this.rtoMs = this.clamp(POST_SYN_TIMEOUT_RTO_MS);
  }

  private clamp(ms: number): number {
    if (ms < this.minRtoMs) return this.minRtoMs < this.maxRtoMs ? this.minRtoMs : this.maxRtoMs;
    return ms < this.maxRtoMs ? ms : this.maxRtoMs;
  }
}

/** RFC 6298 §2.1: the timeout before any measurement, 1 second within the bounds. */
export function initialRtoMs(minRtoMs: number, maxRtoMs: number): number {
  return Math.min(Math.max(1000, minRtoMs), maxRtoMs);
}
