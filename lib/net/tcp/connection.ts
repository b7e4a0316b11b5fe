/**
 * One TCP connection: the RFC 9293 state machine with the extensions Kiln
 * supports (RFC 7323 window scale, timestamps and PAWS; RFC 2018 SACK; RFC
 * 6298 RTO; RFC 5681/6582 NewReno with RFC 6675-style SACK recovery; RFC
 * 3042 limited transmit; RFC 5961 challenge ACKs). It knows nothing of
 * promises: the Flow above it (flow.ts) and the layer below it (layer.ts)
 * talk to it through small interfaces.
 *
 * On the per-segment path, sequence comparisons are written out (`((a - b)
 * | 0) < 0` for `seqLt(a, b)`, `(a + n) >>> 0` for `seqAdd`), and so are
 * minimums and maximums (`a < b ? a : b`): a call costs QuickJS more than
 * the arithmetic.
 *
 * Timers: each concern keeps a deadline (Infinity when idle) and the
 * connection holds one clock timer armed at the earliest, with a callback
 * bound once, so restarting the retransmission timer on every ACK costs a
 * number store, not a closure.
 */
import type { Clock, Timer } from '../../devices/clock.ts';
import type { MemoryBudget } from '../../devices/memory-budget.ts';
import type { FlowErrorCode } from '../../devices/flow.ts';
import {
  ACK,
  FIN,
  MAX_SACK_BLOCKS,
  PSH,
  RST,
  SYN,
  TCP_HEADER_LEN,
  TIMESTAMP_OPTION_LEN,
  type TcpView,
  writeSackOption,
  writeTcpHeader,
  writeTimestampOption,
} from '../wire/tcp.ts';
import { NewReno } from './congestion.ts';
import type { TcpCounters } from './counters.ts';
import type { ResolvedTcpOptions } from './options.ts';
import { ReceiveBuffer } from './receive-buffer.ts';
import { RttEstimator } from './rtt.ts';
import { SackScoreboard } from './sack-scoreboard.ts';
import { windowShiftFor, writeSynOptions } from './segment-builder.ts';
import { SendBuffer } from './send-buffer.ts';
import { seqAdd, seqGt, seqLe, seqLt } from './seq.ts';

export const State = {
  Closed: 0,
  SynSent: 1,
  SynReceived: 2,
  Established: 3,
  FinWait1: 4,
  FinWait2: 5,
  CloseWait: 6,
  Closing: 7,
  LastAck: 8,
  TimeWait: 9,
} as const;
export type StateValue = (typeof State)[keyof typeof State];

/** RFC 9293 §3.7.1: the MSS assumed when the peer sends no MSS option. */
const DEFAULT_MSS = 536;
/** Smallest peer MSS honoured, so a tiny MSS cannot make us send a flood of tiny segments. */
export const MIN_MSS = 64;
/** RFC 9293 §3.8.6.2.1: how long SWS avoidance may hold data back from a small window with nothing in flight (0.1-1 s). */
const SWS_OVERRIDE_MS = 200;
/** RFC 7323 §5.5: TS.Recent older than 24 days is invalid for PAWS. */
const PAWS_IDLE_MS = 24 * 24 * 3600 * 1000;
/** Largest chunk one application read takes out of the receive buffer. */
const MAX_READ = 64 * 1024;
/** Segments sent in one output pass at most, to bound the work per event. */
const MAX_BURST = 64;
/** SACK blocks being written into a segment: one for every connection, as each segment is built in one go. */
const SACK_OUT = new Uint32Array(MAX_SACK_BLOCKS * 2);

/**
 * What the connection tells the application side. Never during the event
 * that caused it: the layer delivers a connection's notices together, on a
 * later microtask, so the user may call back into the connection freely.
 */
export interface ConnectionUser {
  /** In-order data or the end of stream became readable. */
  readable(): void;
  /** Space was freed in the send buffer. */
  writable(): void;
  /** An active open completed. */
  opened(): void;
  /** The connection failed or was aborted; pending operations reject with `code`. */
  failed(code: FlowErrorCode): void;
}

/** The notices a connection gathers for its user during an event, as bits. */
const Notice = { Opened: 1, Readable: 2, Writable: 4, Failed: 8 } as const;

/** What the connection needs from the layer. */
export interface ConnectionHost {
  readonly clock: Clock;
  readonly options: ResolvedTcpOptions;
  readonly stats: TcpCounters;
  /** What the connection's rings are counted against. */
  readonly memory: MemoryBudget;
  /** Shared transmit buffer, large enough for any segment. */
  readonly tx: Uint8Array;
  /** Checksums and sends `tx[0..length)` (with a segment size: a large segment for the device to cut); false when the IP layer dropped it. */
  transmit(src: number, dst: number, length: number, segmentSize?: number): boolean;
  /** Largest segment (header + payload) to `dst` without fragmenting. */
  maxSegmentFor(dst: number): number;
  /** Largest segment (header + payload) to `dst` that the device cuts into standard ones itself; as `maxSegmentFor` when it cannot. */
  largeSegmentFor(dst: number): number;
  /** RFC 5961 §7: whether another challenge ACK may go out now. */
  allowChallengeAck(): boolean;
  /** The connection reached CLOSED: forget it. */
  release(conn: Connection): void;
  /** The connection entered TIME-WAIT (it may be let go early when memory is short). */
  enteredTimeWait(conn: Connection): void;
  /** Calls `conn.deliverNotices()` once the current event is over. */
  notify(conn: Connection): void;
}

/** The peer's options from a SYN (or reconstructed from a SYN cookie). */
export interface PeerSynOptions {
  mss: number;
  windowShift: number;
  sackPermitted: boolean;
  timestamps: boolean;
  tsVal: number;
}

export class Connection {
  state: StateValue = State.Closed;
  user: ConnectionUser | null = null;
  noDelay: boolean;
  /** Why the connection failed, once it has. */
  error: FlowErrorCode | null = null;
  /** An ICMP or routing error seen while retrying, reported if the retries run out (RFC 1122 §4.2.3.9). */
  softError: FlowErrorCode | null = null;

  // Send sequence space (RFC 9293 §3.3.1); SND.MAX is the highest ever sent, SND.NXT goes back after a timeout.
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  sndMax = 0;
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  maxSndWnd = 0;
  sndShift = 0;
  // Receive sequence space; RCV.ADV is the right edge we advertised.
  irs = 0;
  rcvNxt = 0;
  rcvAdv = 0;
  rcvShift = 0;

  readonly sendBuffer: SendBuffer;
  readonly receiveBuffer: ReceiveBuffer;
  /** The application shut down its side: a FIN follows the buffered data. */
  finQueued = false;
  /** The peer's FIN: its sequence number once seen (possibly out of order), and whether it was consumed. */
  private remoteFinSeen = false;
  private remoteFinSeq = 0;
  eof = false;
  /** The application closed the flow: data arriving now cannot be delivered. */
  appClosed = false;

  /** Payload bytes per segment when only the usual options ride along. */
  mss = DEFAULT_MSS;
  /** Payload bytes per segment with no options (the MSS rule of RFC 6691 subtracts options from it). */
  private segmentPayloadLimit = DEFAULT_MSS;
  /** Payload bytes with no options in one segment handed to the device (over the MSS when it segments). */
  private largePayloadLimit = DEFAULT_MSS;
  /** The MSS we announced: the segment size we expect to receive. */
  private rcvMss = DEFAULT_MSS;

  timestamps = false;
  private tsOffset = 0;
  private tsRecent = 0;
  private tsRecentAtMs = 0;
  private lastAckSent = 0;
  /** Whether the peer's SYN carried a window scale option (so a SYN-ACK must carry ours). */
  private peerOfferedScale = false;
  sack = false;
  private readonly scoreboard = new SackScoreboard();
  /** RFC 6675 HighRxt: the end of what recovery has retransmitted. */
  private highRxt = 0;
  /** SND.MAX when a hole was last retransmitted: SACKs beyond it mean that retransmission should have arrived. */
  private rxtMark = 0;

  readonly rtt: RttEstimator;
  readonly cc: NewReno;
  private timing = false;
  private timedSeq = 0;
  private timedAtMs = 0;
  dupAcks = 0;
  /** Consecutive timeouts of the same data (or unanswered zero-window probes). */
  private retries = 0;
  private synRetransmitted = false;
  /** Segments received and not yet acknowledged, for the every-second-segment rule. */
  private unackedSegments = 0;
  private ackNow = false;
  /** Acknowledged data freed send buffer space: tell the writer once the segment is processed. */
  private spaceFreed = false;
  /** What the user has yet to be told (Notice bits). */
  private notices = 0;
  private lastReceiveMs = 0;
  private lastSendMs = 0;
  private keepaliveProbes = 0;
  /** The SWS override timeout expired: send what the window allows, however small. */
  private swsOverride = false;

  private rtxDeadline = Infinity;
  private delackDeadline = Infinity;
  private keepaliveDeadline = Infinity;
  private closeDeadline = Infinity;
  private connectDeadline = Infinity;
  private timer: Timer | null = null;
  private armedAt = Infinity;
  private readonly onTimer = (): void => this.fireTimers();

  constructor(
    private readonly host: ConnectionHost,
    readonly localAddress: number,
    readonly localPort: number,
    readonly remoteAddress: number,
    readonly remotePort: number,
    tsOffset: number,
  ) {
    const o = host.options;
    this.sendBuffer = new SendBuffer(o.sendBufferSize, host.memory);
    this.receiveBuffer = new ReceiveBuffer(o.receiveBufferSize, host.memory);
    this.rtt = new RttEstimator(o.minRtoMs, o.maxRtoMs);
    this.cc = new NewReno(DEFAULT_MSS);
    this.noDelay = o.noDelay;
    this.tsOffset = tsOffset;
    this.rcvMss = Math.max(host.maxSegmentFor(remoteAddress) - TCP_HEADER_LEN, MIN_MSS);
    this.lastReceiveMs = host.clock.nowMs();
  }

  private ourWindowShift(): number {
    return windowShiftFor(this.receiveBuffer.capacity);
  }

  /** TS.Recent: the peer's latest timestamp, echoed in TSecr. */
  get tsRecentValue(): number {
    return this.tsRecent;
  }

  // ---------------------------------------------------------------- opening

  /** Active open (RFC 9293 §3.10.1): send a SYN offering every option. */
  openActive(iss: number, timeoutMs: number): void {
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.sndMax = iss;
    this.cc.recover = iss;
    this.state = State.SynSent;
    this.connectDeadline = this.host.clock.nowMs() + timeoutMs;
    this.sendSyn();
    this.schedule();
  }

  /**
   * A listener's handshake completed (a half-open record's, or a SYN
   * cookie's): the connection starts ESTABLISHED from the peer's ISN `irs`,
   * the ACK `seg` and the SYN's options.
   */
  openEstablished(seg: TcpView, irs: number, options: PeerSynOptions): void {
    const iss = (seg.ack - 1) >>> 0;
    this.iss = iss;
    this.cc.recover = iss;
    this.acceptSyn(irs, 0, seg.ack, options);
    this.sndUna = seg.ack;
    this.sndNxt = seg.ack;
    this.sndMax = seg.ack;
    this.updateWindow(seg.seq, seg.ack, seg.window);
    this.state = State.Established;
    this.host.stats['connections.established']++;
    this.schedule(); // keepalive, when on
  }

  /** Takes the peer's SYN: sequence numbers and negotiated options. */
  private acceptSyn(seq: number, window: number, ack: number, peer: PeerSynOptions): void {
    this.irs = seq;
    this.rcvNxt = seqAdd(seq, 1);
    // Nothing advertised in this sequence space yet: the first window sent sets the edge.
    this.rcvAdv = this.rcvNxt;
    this.lastAckSent = this.rcvNxt;
    this.peerOfferedScale = peer.windowShift >= 0;
    this.timestamps = peer.timestamps;
    if (peer.timestamps) {
      this.tsRecent = peer.tsVal;
      this.tsRecentAtMs = this.host.clock.nowMs();
    }
    this.sack = peer.sackPermitted;
    if (peer.windowShift >= 0) {
      this.sndShift = peer.windowShift;
      this.rcvShift = this.ourWindowShift();
    } else {
      this.sndShift = 0;
      this.rcvShift = 0;
    }
    // RFC 7323 §2.2: the window in a SYN is never scaled.
    this.sndWnd = window;
    this.maxSndWnd = window;
    this.sndWl1 = seq;
    this.sndWl2 = ack;
    const peerMss = peer.mss >= 0 ? Math.max(peer.mss, MIN_MSS) : DEFAULT_MSS;
    this.segmentPayloadLimit = Math.max(Math.min(peerMss, this.host.maxSegmentFor(this.remoteAddress) - TCP_HEADER_LEN), MIN_MSS);
    this.mss = this.segmentPayloadLimit - (this.timestamps ? TIMESTAMP_OPTION_LEN : 0);
    // Only a device that segments takes more than one segment's worth (the peer's MSS may be below our MTU's).
    const large = this.host.largeSegmentFor(this.remoteAddress);
    this.largePayloadLimit = large > this.host.maxSegmentFor(this.remoteAddress) ? large - TCP_HEADER_LEN : this.segmentPayloadLimit;
    this.cc.setMss(this.mss);
  }

  private sendSyn(): void {
    const synAck = this.state === State.SynReceived;
    const b = this.host.tx;
    const end = writeSynOptions(b, TCP_HEADER_LEN, {
      mss: this.rcvMss,
      windowShift: !synAck ? this.ourWindowShift() : this.peerOfferedScale ? this.rcvShift : -1,
      sackPermitted: synAck ? this.sack : true,
      timestamps: synAck ? this.timestamps : true,
      tsVal: this.tsNow(),
      tsEcr: synAck ? this.tsRecent : 0,
    });
    const window = Math.min(this.receiveBuffer.space, 0xffff);
    this.rcvAdv = seqAdd(this.rcvNxt, window);
    writeTcpHeader(b, this.localPort, this.remotePort, this.iss, synAck ? this.rcvNxt : 0, synAck ? SYN | ACK : SYN, window, end);
    this.send(end);
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = this.sndNxt;
    this.rtxDeadline = this.host.clock.nowMs() + this.rtt.rtoMs;
    if (!this.synRetransmitted && !this.timing) this.startTiming(this.iss);
  }

  // ---------------------------------------------------------------- input

  /** One received segment for this connection (checksum and options already checked). */
  input(seg: TcpView): void {
    const flags = seg.flags;
    const now = this.host.clock.nowMs();
    if (this.state === State.SynSent) {
      this.inputSynSent(seg, flags);
      this.afterEvent();
      return;
    }
    const seq = seg.seq;
    let dataStart = seg.payloadStart;
    let dataLen = seg.payloadLength;
    const segLen = dataLen + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);

    // A retransmitted SYN while ours is unanswered: the SYN-ACK was lost, send it again.
    if (this.state === State.SynReceived && (flags & (SYN | ACK | RST)) === SYN && seq === this.irs) {
      this.retransmitSynAck();
      this.afterEvent();
      return;
    }

    // RFC 7323 §5.3: PAWS, before the sequence number check.
    if (this.timestamps && seg.hasTimestamp && !(flags & RST) && ((seg.tsVal - this.tsRecent) | 0) < 0 && now - this.tsRecentAtMs < PAWS_IDLE_MS) {
      this.host.stats['rx.dropped.paws']++;
      this.ackNow = true;
      this.afterEvent();
      return;
    }

    // RFC 9293 §3.10.7.4 first: is the segment acceptable? A zero window still takes ACKs and RSTs at RCV.NXT.
    const wnd = this.receiveBuffer.space;
    let acceptable: boolean;
    if (wnd === 0) acceptable = seq === this.rcvNxt;
    else if (segLen === 0) acceptable = ((seq - this.rcvNxt) | 0) >= 0 && ((seq - ((this.rcvNxt + wnd) >>> 0)) | 0) < 0;
    else {
      const last = ((seq + segLen - 1) >>> 0);
      acceptable =
        (((seq - this.rcvNxt) | 0) >= 0 && ((seq - ((this.rcvNxt + wnd) >>> 0)) | 0) < 0) ||
        (((last - this.rcvNxt) | 0) >= 0 && ((last - ((this.rcvNxt + wnd) >>> 0)) | 0) < 0);
    }
    if (!acceptable) {
      this.host.stats['rx.dropped.out-of-window']++;
      if (!(flags & RST)) this.ackNow = true;
      // RFC 9293 §3.10.7.4: a retransmitted FIN in TIME-WAIT is acknowledged and restarts the 2 MSL wait.
      if (this.state === State.TimeWait && flags & FIN) this.closeDeadline = now + 2 * this.host.options.mslMs;
      this.afterEvent();
      return;
    }
    // Room for the text before anything changes: data dropped for memory must be dropped whole, never acknowledged.
    if (dataLen > 0 && !this.roomForText(seq, dataLen)) {
      this.host.stats['rx.dropped.memory']++;
      this.afterEvent();
      return;
    }
    this.lastReceiveMs = now;
    this.keepaliveProbes = 0;
    this.softError = null; // the path works again

    // RFC 7323 §4.3: remember the timestamp to echo.
    if (this.timestamps && seg.hasTimestamp && ((seq - this.lastAckSent) | 0) <= 0 && ((seg.tsVal - this.tsRecent) | 0) >= 0) {
      this.tsRecent = seg.tsVal;
      this.tsRecentAtMs = now;
    }

    // Second: RST (RFC 5961 §3): exactly RCV.NXT resets, elsewhere in the window earns a challenge ACK.
    if (flags & RST) {
      this.host.stats['rx.resets']++;
      if (seq !== this.rcvNxt) {
        this.challengeAck();
      } else if (this.state === State.SynReceived) {
        this.fail('refused');
      } else if (this.state === State.TimeWait) {
        // RFC 1337: a reset must not cut TIME-WAIT short (old duplicates could then reach a new incarnation).
      } else if (this.state === State.Closing || this.state === State.LastAck) {
        this.release();
      } else {
        this.host.stats['connections.reset']++;
        this.fail('reset');
      }
      this.afterEvent();
      return;
    }

    // Fourth: a SYN in a synchronized state (RFC 5961 §4) gets a challenge ACK, whatever its sequence number.
    if (flags & SYN) {
      this.challengeAck();
      this.afterEvent();
      return;
    }

    // Fifth: the ACK field.
    if (!(flags & ACK)) {
      this.host.stats['rx.dropped.no-ack']++;
      this.afterEvent();
      return;
    }
    if (!this.inputAck(seg, flags, dataLen)) {
      this.afterEvent();
      return;
    }

    // Seventh: segment text, trimmed to what is new and what fits.
    let fin = (flags & FIN) !== 0;
    let segSeq = seq;
    if (((segSeq - this.rcvNxt) | 0) < 0) {
      const cut = Math.min((this.rcvNxt - segSeq) >>> 0, dataLen);
      dataStart += cut;
      dataLen -= cut;
      segSeq = ((segSeq + cut) >>> 0);
      if (dataLen === 0 && !(fin && segSeq === this.rcvNxt)) {
        this.host.stats['rx.duplicate-segments']++;
        this.ackNow = true;
        fin = false;
      }
    }
    if (dataLen > 0 || fin) this.inputText(seg.bytes, dataStart, dataLen, segSeq, fin);
    this.afterEvent();
  }

  /**
   * Whether the receive ring can hold some new part of this segment's text
   * (in a state that stores text); grows it first, as the memory budget
   * allows. What it cannot hold is trimmed off later, like text beyond the
   * window.
   */
  private roomForText(seq: number, length: number): boolean {
    const s = this.state;
    if (this.appClosed || (s !== State.SynReceived && s !== State.Established && s !== State.FinWait1 && s !== State.FinWait2)) return true;
    const after = (seq - this.rcvNxt) | 0;
    const start = after > 0 ? after : 0;
    const reach = (seq + length - this.rcvNxt) | 0;
    const space = this.receiveBuffer.space;
    const end = reach < space ? reach : space;
    return end <= start || this.receiveBuffer.reserve(end) > start;
  }

  /** RFC 9293 §3.10.7.3: a segment in SYN-SENT. */
  private inputSynSent(seg: TcpView, flags: number): void {
    const hasAck = (flags & ACK) !== 0;
    if (hasAck && (seqLe(seg.ack, this.iss) || seqGt(seg.ack, this.sndMax))) {
      if (!(flags & RST)) this.sendReset(seg.ack, 0, false);
      this.host.stats['rx.dropped.bad-ack']++;
      return;
    }
    if (flags & RST) {
      this.host.stats['rx.resets']++;
      // RFC 5961 §3.2: in SYN-SENT a reset is believed only if it acknowledges our SYN.
      if (hasAck) {
        this.host.stats['connections.refused']++;
        this.fail('refused');
      }
      return;
    }
    if (!(flags & SYN)) return;
    this.acceptSyn(seg.seq, seg.window, seg.ack, peerOptionsOf(seg));
    if (hasAck) {
      this.sndUna = seg.ack;
      this.sampleRtt(seg, seg.ack);
      this.becomeEstablished();
      this.ackNow = true;
      // Data in the SYN-ACK (rare, but allowed) is queued like any other.
      if (seg.payloadLength > 0 || flags & FIN) this.inputText(seg.bytes, seg.payloadStart, seg.payloadLength, seqAdd(seg.seq, 1), (flags & FIN) !== 0);
    } else {
      // Simultaneous open (RFC 9293 §3.5, figure 8).
      this.state = State.SynReceived;
      this.sendSyn();
    }
  }

  /** RFC 9293 §3.10.7.4 fifth: the ACK field. Returns false when the segment must be dropped. */
  private inputAck(seg: TcpView, flags: number, dataLen: number): boolean {
    const ack = seg.ack;
    if (this.state === State.SynReceived) {
      if (!(((ack - this.sndUna) | 0) > 0 && ((ack - this.sndMax) | 0) <= 0)) {
        this.sendReset(ack, 0, false);
        this.host.stats['rx.dropped.bad-ack']++;
        return false;
      }
      this.sndUna = ack;
      this.sampleRtt(seg, ack);
      this.updateWindow(seg.seq, ack, seg.window);
      this.becomeEstablished();
      return true;
    }
    if (((ack - this.sndMax) | 0) > 0) {
      // Acknowledges something never sent: ACK and drop (RFC 9293; RFC 5961 §5.2).
      this.host.stats['rx.dropped.bad-ack']++;
      this.challengeAck();
      return false;
    }
    if (((ack - ((this.sndUna - Math.max(this.maxSndWnd, 1)) >>> 0)) | 0) < 0) {
      // RFC 5961 §5.2: too old to be a real acknowledgement.
      this.host.stats['rx.dropped.bad-ack']++;
      this.challengeAck();
      return false;
    }
    if (this.state === State.TimeWait) return false; // (a FIN here is old: handled by the window check)

    const windowBefore = this.sndWnd;
    // A zero-window probe answered: the peer is alive, keep probing (RFC 9293 §3.8.6.1).
    if (windowBefore === 0) this.retries = 0;
    let newSack = false;
    if (this.sack && seg.sackCount > 0) {
      for (let k = 0; k < seg.sackCount; k++) {
        if (this.scoreboard.add(seg.sackBlocks[2 * k]!, seg.sackBlocks[2 * k + 1]!, this.sndUna, this.sndMax)) newSack = true;
      }
    }
    if (((ack - this.sndUna) | 0) > 0) {
      this.newAck(seg, ack);
    } else if (ack === this.sndUna && this.sndMax !== this.sndUna && windowBefore !== 0) {
      // (Answers to zero-window probes repeat the ACK too, but signal no loss.)
      const pure = dataLen === 0 && !(flags & (SYN | FIN)) && ((seg.window << this.sndShift) >>> 0) === windowBefore;
      if (pure || newSack) this.duplicateAck();
    }
    this.updateWindow(seg.seq, ack, seg.window);
    if (this.sack && this.cc.inRecovery) this.sendHoles();
    return true;
  }

  /** The peer acknowledged new data. */
  private newAck(seg: TcpView, ack: number): void {
    let acked = (ack - this.sndUna) >>> 0;
    this.sampleRtt(seg, ack);
    const buffered = this.sendBuffer.length;
    const dataAcked = acked < buffered ? acked : buffered;
    this.sendBuffer.consume(dataAcked);
    const finAcked = this.finQueued && acked > dataAcked;
    this.sndUna = ack;
    if (((this.sndNxt - ack) | 0) < 0) this.sndNxt = ack;
    this.scoreboard.advance(ack);
    this.retries = 0;
    if (((this.highRxt - ack) | 0) < 0) this.highRxt = ack;
    acked = dataAcked;

    const flight = (this.sndMax - this.sndUna) >>> 0;
    if (this.cc.inRecovery) {
      if (((ack - this.cc.recover) | 0) >= 0) {
        this.cc.exitRecovery(flight);
        this.dupAcks = 0;
      } else {
        // RFC 6582 §3.2 step 5: a partial ACK; the next hole is lost too.
        this.cc.partialAck(acked, this.sack);
        if (!this.sack || this.scoreboard.isEmpty) this.retransmitFirst('retransmits.fast');
        else this.sendHoles();
        this.rtxDeadline = this.host.clock.nowMs() + this.rtt.rtoMs;
      }
    } else {
      this.dupAcks = 0;
      this.cc.onAck(acked);
    }

    // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it.
    this.rtxDeadline = this.sndUna === this.sndMax ? Infinity : this.host.clock.nowMs() + this.rtt.rtoMs;
    if (dataAcked > 0) this.spaceFreed = true;
    if (finAcked) this.ourFinAcked();
  }

  /** RFC 5681 §3.2, RFC 3042, RFC 6675 §5: a duplicate ACK (or one bringing new SACK information). */
  private duplicateAck(): void {
    this.dupAcks++;
    if (this.cc.inRecovery) {
      if (!this.sack) this.cc.inflate();
      return;
    }
    const lossSignal = this.dupAcks >= 3 || (this.sack && this.scoreboard.sackedBytes >= 3 * this.mss);
    // RFC 6582 §3.2 step 2: no new recovery for losses from before the last one.
    if (lossSignal && seqGt(this.sndUna, this.cc.recover)) {
      this.host.stats['fast-recoveries']++;
      this.cc.enterRecovery(this.flightSize(), this.sndMax, this.sack);
      this.highRxt = this.sndUna;
      this.retransmitFirst('retransmits.fast');
      this.rtxDeadline = this.host.clock.nowMs() + this.rtt.rtoMs;
    }
  }

  /** RFC 9293 §3.10.7.4: update SND.WND when the segment is newer than the last window update. */
  private updateWindow(seq: number, ack: number, window: number): void {
    if (((this.sndWl1 - seq) | 0) < 0 || (this.sndWl1 === seq && ((this.sndWl2 - ack) | 0) <= 0)) {
      const wasZero = this.sndWnd === 0;
      this.sndWnd = (window << this.sndShift) >>> 0;
      if (this.sndWnd > this.maxSndWnd) this.maxSndWnd = this.sndWnd;
      this.sndWl1 = seq;
      this.sndWl2 = ack;
      // The window opened: leave persist mode and send at once.
      if (wasZero && this.sndWnd > 0) {
        this.retries = 0;
        if (this.sndUna === this.sndMax) this.rtxDeadline = Infinity;
        else if (((this.sndMax - this.sndUna) >>> 0) <= 1) {
          // Only the probe byte is outstanding: it goes out again with what follows.
          this.sndNxt = this.sndUna;
          this.rtxDeadline = this.host.clock.nowMs() + this.rtt.rtoMs;
        }
      }
    }
  }

  private ourFinAcked(): void {
    switch (this.state) {
      case State.FinWait1:
        this.state = State.FinWait2;
        // An orphaned FIN-WAIT-2 must not wait forever for a FIN that never comes.
        if (this.appClosed) this.closeDeadline = this.host.clock.nowMs() + 2 * this.host.options.mslMs;
        break;
      case State.Closing:
        this.enterTimeWait();
        break;
      case State.LastAck:
        this.release();
        break;
    }
  }

  /** RFC 9293 §3.10.7.4 seventh and eighth: queue text and process a FIN at `seq`. */
  private inputText(bytes: Uint8Array, start: number, length: number, seq: number, fin: boolean): void {
    if (this.state !== State.Established && this.state !== State.FinWait1 && this.state !== State.FinWait2) {
      // CLOSE-WAIT and later: the peer already sent its FIN; anything more is a duplicate.
      this.ackNow = true;
      return;
    }
    if (this.appClosed && length > 0) {
      // Nobody will read this: reset, as RFC 9293 §3.10.4 and common stacks do for closed sockets.
      this.host.stats['rx.dropped.after-close']++;
      this.sendReset(this.sndMax, this.rcvNxt, true);
      this.fail('closed');
      return;
    }
    const offset = (seq - this.rcvNxt) >>> 0;
    const space = this.receiveBuffer.space;
    const room = this.receiveBuffer.reserve(offset + length < space ? offset + length : space) - offset;
    if (length > room) {
      // Beyond the window (a zero-window probe, or a peer ignoring our window), or beyond what the memory budget
      // lets the ring hold now: keep what fits, say where we are.
      length = room > 0 ? room : 0;
      fin = false;
      this.ackNow = true;
    }
    if (fin) {
      this.remoteFinSeen = true;
      this.remoteFinSeq = ((seq + length) >>> 0);
    }
    if (length > 0) {
      const hadGap = this.receiveBuffer.hasOutOfOrder;
      const moved = this.receiveBuffer.write(offset, bytes, start, start + length);
      if (moved > 0) {
        this.rcvNxt = ((this.rcvNxt + moved) >>> 0);
        // RFC 5681 §4.2: ACK at once when a gap fills, else every second full-sized segment
        // (a coalesced one from the device counts as the segments it was made of).
        this.unackedSegments += length > this.rcvMss ? Math.ceil(length / this.rcvMss) : 1;
        if (hadGap || this.unackedSegments >= 2) this.ackNow = true;
        else if (this.delackDeadline === Infinity) this.delackDeadline = this.host.clock.nowMs() + this.host.options.delayedAckMs;
        this.notice(Notice.Readable);
      } else {
        // Out of order: an immediate duplicate ACK carries the SACK blocks (RFC 5681 §4.2).
        this.host.stats[moved < 0 ? 'rx.dropped.reassembly-full' : 'rx.out-of-order']++;
        this.ackNow = true;
      }
    }
    if (this.remoteFinSeen && !this.eof && this.rcvNxt === this.remoteFinSeq) this.finArrived();
  }

  /** The peer's FIN is next in sequence: consume it. */
  private finArrived(): void {
    this.eof = true;
    this.rcvNxt = ((this.rcvNxt + 1) >>> 0);
    this.ackNow = true;
    switch (this.state) {
      case State.Established:
        this.state = State.CloseWait;
        break;
      case State.FinWait1:
        // Our FIN is not acknowledged yet (else we would be in FIN-WAIT-2): simultaneous close.
        this.state = State.Closing;
        break;
      case State.FinWait2:
        this.enterTimeWait();
        break;
    }
    this.notice(Notice.Readable);
  }

  private becomeEstablished(): void {
    this.state = State.Established;
    this.host.stats['connections.established']++;
    this.connectDeadline = Infinity;
    this.rtxDeadline = this.sndUna === this.sndMax ? Infinity : this.rtxDeadline;
    this.retries = 0;
    if (this.synRetransmitted) this.rtt.synRetransmitted();
    this.lastReceiveMs = this.host.clock.nowMs();
    this.notice(Notice.Opened);
  }

  private enterTimeWait(): void {
    this.state = State.TimeWait;
    this.host.enteredTimeWait(this);
    this.releaseMemory();
    this.rtxDeadline = Infinity;
    this.keepaliveDeadline = Infinity;
    this.closeDeadline = this.host.clock.nowMs() + 2 * this.host.options.mslMs;
  }

  // ---------------------------------------------------------------- application side

  /** Copies up to `src[start..end)` into the send buffer; returns how many bytes it took. */
  write(src: Uint8Array, start: number, end: number): number {
    const n = this.sendBuffer.append(src, start, end);
    if (n > 0) {
      this.output();
      this.schedule();
    }
    return n;
  }

  /** Gives the buffers' memory back once they can hold nothing more of use. */
  private releaseMemory(): void {
    this.sendBuffer.release();
    if (this.eof || this.state === State.Closed) this.receiveBuffer.release();
  }

  /** Takes up to 64 KiB of in-order data; opens the window as the application reads (RFC 9293 §3.8.6.2.2). */
  read(): Uint8Array {
    const chunk = this.receiveBuffer.read(MAX_READ);
    if (this.eof && this.receiveBuffer.buffered === 0) this.receiveBuffer.release();
    if (chunk.length > 0 && this.state !== State.Closed && this.state !== State.TimeWait) {
      const advertised = (this.rcvAdv - this.rcvNxt) | 0;
      const candidate = ((this.rcvNxt + this.receiveBuffer.space) >>> 0);
      const growth = (candidate - this.rcvAdv) | 0;
      const half = this.receiveBuffer.capacity / 2;
      if (advertised < half && growth >= (half < this.rcvMss ? half : this.rcvMss)) {
        this.ackNow = true;
      }
      this.afterEvent();
    }
    return chunk;
  }

  /** The application closed its flow after the connection ended: unread data goes, and its ring with it. */
  dropUnread(): void {
    if (this.state === State.Closed) this.receiveBuffer.discard();
  }

  get readable(): number {
    return this.receiveBuffer.buffered;
  }

  /** Shuts down the sending side: FIN after the buffered data (RFC 9293 §3.10.4). */
  shutdown(): void {
    if (this.finQueued) return;
    switch (this.state) {
      case State.SynReceived:
      case State.Established:
        this.state = State.FinWait1;
        break;
      case State.CloseWait:
        this.state = State.LastAck;
        break;
      default:
        return;
    }
    this.finQueued = true;
    this.afterEvent();
  }

  /** Resets the connection at once (RFC 9293 §3.10.5 ABORT). */
  abort(code: FlowErrorCode): void {
    if (this.state === State.Closed) return;
    if (this.state !== State.SynSent && this.state !== State.TimeWait) this.sendReset(this.sndMax, this.rcvNxt, true);
    this.host.stats['connections.aborted']++;
    this.fail(code);
  }

  // ---------------------------------------------------------------- output

  /** Flight size: bytes sent and not yet acknowledged. */
  private flightSize(): number {
    return (this.sndMax - this.sndUna) >>> 0;
  }

  /** RFC 6675 §4 "pipe", estimated from the scoreboard: what is still in the network. */
  private pipe(): number {
    if (this.scoreboard.isEmpty) return (this.sndNxt - this.sndUna) >>> 0;
    let retransmitted = 0;
    if (seqGt(this.highRxt, this.sndUna)) retransmitted = ((this.highRxt - this.sndUna) >>> 0) - this.scoreboard.sackedBelow(this.highRxt);
    return ((this.sndMax - this.scoreboard.highest) >>> 0) + retransmitted;
  }

  /** Bytes the congestion window lets us put into the network now. */
  private congestionAllowance(): number {
    if (this.cc.inRecovery && this.sack) return this.cc.cwnd - this.pipe();
    const inFlight = (this.sndNxt - this.sndUna) >>> 0;
    // RFC 3042 limited transmit: the first two duplicate ACKs each release one new segment.
    const bonus = !this.cc.inRecovery && this.dupAcks > 0 && this.dupAcks < 3 ? this.dupAcks * this.mss : 0;
    return this.cc.cwnd + bonus - inFlight;
  }

  /** Sends what the windows, Nagle and SWS avoidance allow (RFC 9293 §3.8.6.2.1, RFC 896). */
  private output(): void {
    // Nothing unsent and no FIN to send: most calls (after every segment received and every read).
    if (!this.finQueued && this.sendBuffer.length === ((this.sndNxt - this.sndUna) >>> 0)) return;
    const s = this.state;
    if (s !== State.Established && s !== State.CloseWait && s !== State.FinWait1 && s !== State.Closing && s !== State.LastAck) return;
    for (let burst = 0; burst < MAX_BURST; burst++) {
      const offset = (this.sndNxt - this.sndUna) >>> 0;
      const unsent = this.sendBuffer.length - offset;
      const finPending = this.finQueued && unsent <= 0 && this.sndNxt === ((this.sndUna + this.sendBuffer.length) >>> 0);
      if (unsent <= 0 && !finPending) break;
      // Only when there is something to send (the clock is read a few times a request otherwise).
      if (burst === 0 && this.sndUna === this.sndMax && this.host.clock.nowMs() - this.lastSendMs > this.rtt.rtoMs) this.cc.restartAfterIdle();
      const retransmission = ((this.sndNxt - this.sndMax) | 0) < 0;
      const sendWindow = (this.sndUna + this.sndWnd - this.sndNxt) | 0;
      const allowance = this.congestionAllowance();
      const usable = sendWindow < allowance ? sendWindow : allowance;
      if (unsent <= 0) {
        // Only the FIN is left; it takes no window space worth waiting for.
        this.transmitData(this.sndNxt, 0, FIN | ACK);
        if (retransmission) this.host.stats['retransmits']++;
        break;
      }
      let len = unsent < this.largePayloadLimit ? unsent : this.largePayloadLimit;
      if (usable < len) len = usable > 0 ? usable : 0;
      if (len <= 0) break;
      if (len < unsent) {
        // Less than all we have: only a full segment, or half the largest window the peer offered (SWS
        // avoidance); a retransmission, or whatever fits once the override timeout expired.
        if (len < this.mss && len < this.maxSndWnd / 2 && !retransmission && !this.swsOverride) break;
      } else if (len < this.mss && !retransmission && !this.noDelay && !this.finQueued && this.sndMax !== this.sndUna) {
        break; // Nagle: a small segment waits while data is unacknowledged
      }
      const last = len === unsent;
      const fin = last && this.finQueued;
      len = this.transmitData(this.sndNxt, len, ACK | (last ? PSH : 0) | (fin ? FIN : 0));
      if (retransmission) {
        this.host.stats['retransmits']++;
        this.host.stats['retransmits.timeout']++;
      }
    }
    if (this.rtxDeadline === Infinity && this.sendBuffer.length > ((this.sndNxt - this.sndUna) >>> 0)) {
      // Data waits with nothing in flight, so no ACK will come to wake us: the persist timer for a zero
      // window (RFC 9293 §3.8.6.1), else the override timeout for a window SWS avoidance held back (§3.8.6.2.1).
      this.rtxDeadline = this.host.clock.nowMs() + (this.sndWnd === 0 ? this.rtt.rtoMs : Math.min(SWS_OVERRIDE_MS, this.rtt.rtoMs));
    }
  }

  /**
   * Sends `len` bytes of the send buffer starting at `seq` with `flags`; FIN
   * only if the data reaches the end of the buffer. Returns the payload bytes
   * actually sent (options may leave less room) and advances SND.NXT.
   */
  private transmitData(seq: number, len: number, flags: number): number {
    const b = this.host.tx;
    const hl = this.writeOptions(b);
    const perSegment = this.segmentPayloadLimit + TCP_HEADER_LEN - hl;
    const offset = (seq - this.sndUna) >>> 0;
    if (len > perSegment) {
      // A large segment for the device to cut: whole segments only, unless it ends the data.
      len = Math.min(len, this.largePayloadLimit + TCP_HEADER_LEN - hl);
      if (offset + len < this.sendBuffer.length) len -= len % perSegment;
    }
    if (offset + len < this.sendBuffer.length) flags &= ~FIN;
    this.sendBuffer.copyOut(offset, len, b, hl);
    this.writeHeader(b, seq, flags, hl);
    this.send(hl + len, len > perSegment ? perSegment : 0);
    const end = ((seq + len + (flags & FIN ? 1 : 0)) >>> 0);
    // A deadline set while nothing was in flight was a persist or override one: this data needs the RTO.
    const wasIdle = this.sndMax === this.sndUna;
    if (((end - this.sndNxt) | 0) > 0) this.sndNxt = end;
    if (((end - this.sndMax) | 0) > 0) {
      if (!this.timing && !this.timestamps && len > 0) this.startTiming(seq);
      this.sndMax = end;
    }
    if ((wasIdle || this.rtxDeadline === Infinity) && ((this.sndMax - this.sndUna) | 0) > 0) this.rtxDeadline = this.host.clock.nowMs() + this.rtt.rtoMs;
    return len;
  }

  /** Retransmits the first unacknowledged segment (fast retransmit, NewReno partial ACK). */
  private retransmitFirst(counter: 'retransmits.fast' | 'retransmits.sack'): void {
    const len = Math.min(this.sendBuffer.length, this.mss);
    const fin = this.finQueued && len === this.sendBuffer.length;
    if (len === 0 && !fin) return;
    this.timing = false; // Karn's rule
    const sent = this.transmitData(this.sndUna, len, ACK | (fin ? FIN : 0));
    if (seqLt(this.highRxt, seqAdd(this.sndUna, sent))) this.highRxt = seqAdd(this.sndUna, sent);
    this.rxtMark = this.sndMax;
    this.host.stats['retransmits']++;
    this.host.stats[counter]++;
  }

  /** RFC 6675 §5 NextSeg: retransmit SACK holes, then new data, while the pipe is below cwnd. */
  private sendHoles(): void {
    // A retransmitted hole still missing while the peer SACKs data sent after it was
    // retransmitted: the retransmission was lost too. Start over from the first hole
    // rather than wait for the timeout.
    if (seqGt(this.highRxt, this.sndUna) && seqGt(this.scoreboard.highest, this.rxtMark) && this.scoreboard.nextHole(this.sndUna) && seqLt(this.scoreboard.holeStart, this.highRxt)) {
      this.highRxt = this.sndUna;
      this.host.stats['retransmits.lost-detected']++;
    }
    for (let burst = 0; burst < MAX_BURST && this.cc.cwnd - this.pipe() >= this.mss; burst++) {
      const from = seqGt(this.highRxt, this.sndUna) ? this.highRxt : this.sndUna;
      if (!this.scoreboard.nextHole(from)) break;
      const len = Math.min((this.scoreboard.holeEnd - this.scoreboard.holeStart) >>> 0, this.mss);
      this.timing = false;
      const sent = this.transmitData(this.scoreboard.holeStart, len, ACK);
      this.highRxt = seqAdd(this.scoreboard.holeStart, sent);
      this.rxtMark = this.sndMax;
      this.host.stats['retransmits']++;
      this.host.stats['retransmits.sack']++;
      if (sent === 0) break;
    }
  }

  /** Writes the options for a non-SYN segment at `b[20..]`; returns the header length. */
  private writeOptions(b: Uint8Array): number {
    let i = TCP_HEADER_LEN;
    if (this.timestamps) i = writeTimestampOption(b, i, this.tsNow(), this.tsRecent);
    if (this.sack && this.receiveBuffer.hasOutOfOrder) {
      const max = this.timestamps ? 3 : 4;
      const n = this.receiveBuffer.sackBlocks(this.rcvNxt, SACK_OUT, max);
      if (n > 0) i = writeSackOption(b, i, SACK_OUT, n);
    }
    return i;
  }

  /** Writes the header with the current ACK and window; records what was acknowledged. */
  private writeHeader(b: Uint8Array, seq: number, flags: number, hl: number): void {
    writeTcpHeader(b, this.localPort, this.remotePort, seq, this.rcvNxt, flags, this.windowField(), hl);
    this.lastAckSent = this.rcvNxt;
    this.unackedSegments = 0;
    this.ackNow = false;
    this.delackDeadline = Infinity;
  }

  /** The window to advertise, keeping the right edge from shrinking and avoiding silly windows (RFC 9293 §3.8.6.2.2). */
  private windowField(): number {
    const candidate = ((this.rcvNxt + this.receiveBuffer.space) >>> 0);
    const growth = (candidate - this.rcvAdv) | 0;
    const half = this.receiveBuffer.capacity / 2;
    if (growth > 0 && (growth >= (half < this.rcvMss ? half : this.rcvMss) || ((this.rcvAdv - this.rcvNxt) | 0) <= 0)) {
      this.rcvAdv = candidate;
    }
    const advertised = (this.rcvAdv - this.rcvNxt) | 0;
    const field = advertised > 0 ? advertised >>> this.rcvShift : 0;
    return field < 0xffff ? field : 0xffff;
  }

  private sendAck(): void {
    const b = this.host.tx;
    const hl = this.writeOptions(b);
    // SND.MAX, not SND.NXT: while a timeout resends old data, an ACK with an old
    // sequence number would fall left of the peer's window and be dropped unread.
    this.writeHeader(b, this.sndMax, ACK, hl);
    this.send(hl);
  }

  private challengeAck(): void {
    if (this.host.allowChallengeAck()) {
      this.host.stats['challenge-acks']++;
      this.sendAck();
    } else {
      this.host.stats['challenge-acks.suppressed']++;
    }
  }

  private retransmitSynAck(): void {
    this.host.stats['retransmits']++;
    this.sendSyn();
  }

  private sendReset(seq: number, ack: number, withAck: boolean): void {
    const b = this.host.tx;
    writeTcpHeader(b, this.localPort, this.remotePort, seq, withAck ? ack : 0, withAck ? RST | ACK : RST, 0, TCP_HEADER_LEN);
    this.host.stats['tx.resets']++;
    this.send(TCP_HEADER_LEN);
  }

  private send(length: number, segmentSize = 0): void {
    this.lastSendMs = this.host.clock.nowMs();
    if (!this.host.transmit(this.localAddress, this.remoteAddress, length, segmentSize)) this.softError = 'unreachable';
  }

  private tsNow(): number {
    return (Math.floor(this.host.clock.nowMs()) + this.tsOffset) >>> 0;
  }

  private startTiming(seq: number): void {
    this.timing = true;
    this.timedSeq = seq;
    this.timedAtMs = this.host.clock.nowMs();
  }

  /** Takes an RTT sample from an ACK that advanced SND.UNA: from TSecr (RFC 7323 §4.1) or the timed segment. */
  private sampleRtt(seg: TcpView, ack: number): void {
    if (this.timestamps && seg.hasTimestamp && seg.tsEcr !== 0) {
      const rtt = (this.tsNow() - seg.tsEcr) | 0;
      if (rtt >= 0 && rtt < this.host.options.maxRtoMs * 2) {
        this.rtt.sample(rtt);
        return;
      }
    }
    if (this.timing && seqGt(ack, this.timedSeq)) {
      this.timing = false;
      this.rtt.sample(this.host.clock.nowMs() - this.timedAtMs);
    }
  }

  // ---------------------------------------------------------------- timers

  /** Sends what is due after an event and re-arms the timer. */
  afterEvent(): void {
    if (this.state === State.Closed) return;
    if (this.spaceFreed) {
      this.spaceFreed = false;
      this.notice(Notice.Writable);
    }
    this.output();
    if (this.ackNow && this.state !== State.SynSent && this.state !== State.SynReceived) this.sendAck();
    this.schedule();
  }

  private schedule(): void {
    if (this.state === State.Closed) return;
    const k = this.host.options.keepalive;
    if (k && (this.state === State.Established || this.state === State.CloseWait)) {
      if (this.keepaliveProbes === 0) this.keepaliveDeadline = this.lastReceiveMs + k.idleMs;
    } else {
      this.keepaliveDeadline = Infinity;
    }
    let next = this.rtxDeadline;
    if (this.delackDeadline < next) next = this.delackDeadline;
    if (this.keepaliveDeadline < next) next = this.keepaliveDeadline;
    if (this.closeDeadline < next) next = this.closeDeadline;
    if (this.connectDeadline < next) next = this.connectDeadline;
    // Nothing due: an armed timer is left to fire once, find nothing and lapse (closing
    // cancels it), rather than cancelled here and armed anew by the next send, every request.
    if (next === Infinity) return;
    if (this.timer && this.armedAt <= next) return; // fires earlier and re-arms then
    this.cancelTimer();
    this.armedAt = next;
    this.timer = this.host.clock.at(next, this.onTimer);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
    this.armedAt = Infinity;
  }

  private fireTimers(): void {
    // The clock fired for `armedAt`: treat that as reached even if its own
    // reading rounds a hair below it, or the timer would re-arm forever.
    const due = this.armedAt;
    this.timer = null;
    this.armedAt = Infinity;
    if (this.state === State.Closed) return;
    this.runDueTimers(Math.max(this.host.clock.nowMs(), due));
  }

  private runDueTimers(now: number): void {
    if (this.connectDeadline <= now) {
      this.connectDeadline = Infinity;
      if (this.state === State.SynSent || this.state === State.SynReceived) {
        this.timedOut();
        return;
      }
    }
    if (this.closeDeadline <= now) {
      this.closeDeadline = Infinity;
      this.release();
      return;
    }
    if (this.rtxDeadline <= now) {
      this.rtxDeadline = Infinity;
      this.retransmitTimeout();
      if (this.state === State.Closed) return;
    }
    if (this.delackDeadline <= now) {
      this.delackDeadline = Infinity;
      this.ackNow = true;
    }
    if (this.keepaliveDeadline <= now) this.keepaliveTimeout(now);
    if (this.state !== State.Closed) this.afterEvent();
  }

  /** The retransmission timer expired (RFC 6298 §5.4-5.7), or the persist timer or SWS override timeout with nothing in flight. */
  private retransmitTimeout(): void {
    if (this.state === State.SynSent || this.state === State.SynReceived) {
      if (++this.retries > this.host.options.synRetries) {
        this.timedOut();
        return;
      }
      this.synRetransmitted = true;
      this.timing = false;
      this.rtt.backoff();
      this.host.stats['retransmits']++;
      this.sendSyn();
      return;
    }
    if (this.sndWnd === 0 && this.sendBuffer.length > 0) {
      this.probeZeroWindow();
      return;
    }
    if (this.sndUna === this.sndMax) {
      // The SWS override timeout: nothing was lost, the window was only too small to fill a segment.
      this.swsOverride = true;
      this.output();
      this.swsOverride = false;
      return;
    }
    if (++this.retries > this.host.options.maxRetransmits) {
      this.timedOut();
      return;
    }
    this.cc.onTimeout(this.flightSize(), this.sndMax);
    this.rtt.backoff();
    this.timing = false;
    this.dupAcks = 0;
    // RFC 2018 §8: the receiver may renege; after a timeout SACK information is not trusted.
    this.scoreboard.clear();
    this.highRxt = this.sndUna;
    this.sndNxt = this.sndUna;
    this.rtxDeadline = this.host.clock.nowMs() + this.rtt.rtoMs;
    this.output();
  }

  /** RFC 9293 §3.8.6.1: one byte past a zero window, until the peer opens it. */
  private probeZeroWindow(): void {
    if (++this.retries > this.host.options.maxRetransmits) {
      this.timedOut();
      return;
    }
    this.host.stats['zero-window-probes']++;
    this.rtt.backoff();
    this.transmitData(this.sndUna, 1, ACK);
    this.rtxDeadline = this.host.clock.nowMs() + this.rtt.rtoMs;
  }

  /** RFC 9293 §3.8.4: keepalive, a segment one below SND.NXT that the peer must ACK. */
  private keepaliveTimeout(now: number): void {
    const k = this.host.options.keepalive!;
    if (now - this.lastReceiveMs < k.idleMs && this.keepaliveProbes === 0) return;
    if (this.keepaliveProbes >= k.probes) {
      this.timedOut();
      return;
    }
    this.keepaliveProbes++;
    this.host.stats['keepalive-probes']++;
    const b = this.host.tx;
    const hl = this.writeOptions(b);
    writeTcpHeader(b, this.localPort, this.remotePort, (this.sndNxt - 1) >>> 0, this.rcvNxt, ACK, this.windowField(), hl);
    this.send(hl);
    this.keepaliveDeadline = now + k.intervalMs;
  }

  private timedOut(): void {
    const code = this.softError ?? 'timed-out';
    if (code === 'timed-out') this.host.stats['connections.timed-out']++;
    if (this.state !== State.SynSent) this.sendReset(this.sndMax, this.rcvNxt, true);
    this.fail(code);
  }

  /** An ICMP destination unreachable about this connection (RFC 1122 §4.2.3.9). */
  icmpUnreachable(code: number): void {
    // Protocol (2) or port (3) unreachable are hard errors while connecting; the rest are soft.
    if (this.state === State.SynSent && (code === 2 || code === 3)) {
      this.host.stats['connections.refused']++;
      this.fail('refused');
      return;
    }
    if (code !== 4) this.softError = 'unreachable';
  }

  // ---------------------------------------------------------------- ending

  private fail(code: FlowErrorCode): void {
    if (this.state === State.Closed) return;
    this.error = code;
    this.release();
    this.notice(Notice.Failed);
  }

  /** Enters CLOSED and leaves the layer's tables. */
  release(): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.cancelTimer();
    this.rtxDeadline = this.delackDeadline = this.keepaliveDeadline = this.closeDeadline = this.connectDeadline = Infinity;
    // Nothing more is sent once closed; unread data stays for the application unless it failed or closed.
    this.sendBuffer.discard();
    if (this.error !== null || this.appClosed) this.receiveBuffer.discard();
    else this.receiveBuffer.release();
    this.host.release(this);
    // A reader waiting for end of stream after a graceful close learns it here.
    if (this.error === null) this.notice(Notice.Readable);
  }

  /** Tells the user what happened since the last call: the open, then data, then space, then a failure. */
  deliverNotices(): void {
    const notices = this.notices;
    this.notices = 0;
    const user = this.user;
    if (!user) return;
    if (notices & Notice.Opened) user.opened();
    if (notices & Notice.Readable) user.readable();
    if (notices & Notice.Writable) user.writable();
    if (notices & Notice.Failed) user.failed(this.error!);
  }

  private notice(what: number): void {
    if (this.notices === 0) this.host.notify(this);
    this.notices |= what;
  }
}

/** The options a SYN carried. */
function peerOptionsOf(seg: TcpView): PeerSynOptions {
  return {
    mss: seg.mss,
    windowShift: seg.windowShift,
    sackPermitted: seg.sackPermitted,
    timestamps: seg.hasTimestamp,
    tsVal: seg.tsVal,
  };
}
