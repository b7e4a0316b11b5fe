/**
 * The TCP layer: the boundary with IPv4, demultiplexing segments to
 * connections and listeners, SYN cookies, resets for segments that match no
 * socket, ephemeral ports and counters.
 */
import type { Clock } from '../../devices/clock.ts';
import type { Flow } from '../../devices/flow.ts';
import type { Random } from '../../devices/random.ts';
import { StackError, type ConnectOptions, type ListenOptions, type TcpListener } from '../../devices/stack.ts';
import { ByteBudget } from './byte-budget.ts';
import { ACK, RST, SYN, FIN, TCP_HEADER_LEN, TcpView, fillTcpChecksum, writeTcpHeader, writeTimestampOption } from '../wire/tcp.ts';
import { Connection, type ConnectionHost, MIN_MSS, State } from './connection.ts';
import { newTcpCounters, type TcpCounters } from './counters.ts';
import { TcpFlow } from './flow.ts';
import { HALF_OPEN_SACK, HALF_OPEN_TIMESTAMPS, type HalfOpenTable } from './half-open-table.ts';
import { ConnectionSecrets } from './isn.ts';
import { TcpListenerSocket, type ListenerHost } from './listener.ts';
import { resolveTcpOptions, type ResolvedTcpOptions, type TcpOptions } from './options.ts';
import { windowShiftFor, writeResetFor, writeSynOptions, type SynOptions } from './segment-builder.ts';
import { initialRtoMs } from './rtt.ts';
import { SynCookies, decodeCookieTimestamp, encodeCookieTimestamp } from './syn-cookies.ts';
import { seqAdd, seqGe, seqGt, seqLe, seqLt } from './seq.ts';
import { EPHEMERAL_COUNT, EPHEMERAL_FIRST } from '../ephemeral-ports.ts';

export type { TcpOptions } from './options.ts';

/**
 * Sends the TCP segment (header + payload, checksum filled in) at
 * `buffer[0..length)` of `buildIn`'s buffer to dst; the IP layer adds the
 * IPv4 header, routes and ARPs. `segmentSize` > 0: payload bytes per
 * standard segment, for the device to cut. Returns false if it was dropped
 * (no route, ARP queue full). Must not feed anything back into `input`
 * during the call (no layer here is re-entrant).
 */
export type SegmentSender = (src: number, dst: number, length: number, segmentSize: number) => boolean;

export interface TcpEnv {
  clock: Clock; // timers via clock.at / clock.nowMs; never read a global clock
  random: Random;
  /** Largest TCP segment (header+payload) that fits in one IPv4 packet to dst without fragmenting. */
  maxSegmentFor(dst: number): number;
  /**
   * Largest TCP segment to dst that `buildIn`'s sender takes with a `segmentSize`
   * (payload bytes per standard segment), for the device to cut (TCP
   * segmentation offload); absent when it cannot, as if `maxSegmentFor`.
   */
  largeSegmentFor?(dst: number): number;
}

/** Cookies are checked for two cookie periods after the last one was sent (see syn-cookies.ts). */
const COOKIE_CHECK_MS = 128_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 75_000;
/**
 * What a connection holds besides its rings (its objects, timers, typed
 * arrays and the flow), counted in the memory budget from its first segment
 * to its release. A service counts its own state for the connection itself.
 */
export const CONNECTION_STATE_BYTES = 4 * 1024; // measured: ~3.5 KiB an idle connection in an image's QuickJS
/**
 * While less than this share of the budget is left, SYNs are answered with
 * cookies (no state kept until the handshake completes) whatever the SYN
 * backlog, so a burst of new connections cannot take what those in service
 * need.
 */
const COOKIE_RESERVE = 1 / 8;
/**
 * While less than this share of the budget is left, new connections let
 * TIME-WAIT ones go, oldest first: services start shedding connections at
 * that point (lib/http evicts waiting heads), and a TIME-WAIT is cheaper to
 * lose than a connection in service.
 */
const TIME_WAIT_RESERVE = 1 / 4;

export class TcpLayer implements ConnectionHost, ListenerHost {
  readonly clock: Clock;
  readonly options: ResolvedTcpOptions;
  readonly stats: TcpCounters = newTcpCounters();
  readonly memory: ByteBudget;
  /** Where segments are built: the IP layer's buffer (see `buildIn`). */
  tx: Uint8Array = new Uint8Array(0);
  private sendBuilt: SegmentSender = () => {
    throw new Error('TcpLayer: buildIn() must be called before anything is sent');
  };
  private readonly view = new TcpView();
  /** Connections by remote address * 2^16 + remote port; the local side is matched within. */
  private readonly connections = new Map<number, Connection[]>();
  private connectionCount = 0;
  private readonly listeners = new Map<number, TcpListenerSocket[]>();
  /** Connections in TIME-WAIT, oldest first. */
  private readonly timeWait = new Set<Connection>();
  private readonly secrets: ConnectionSecrets;
  private readonly cookies: SynCookies;
  /** Connections with notices for their users, delivered on the next microtask. */
  private readonly noticed: Connection[] = [];
  private challengeSecond = -1;
  private challengeCount = 0;
  private synSecond = -1;
  private synCount = 0;
  /** The options of every listener's SYN-ACK, filled in place (the SYN path allocates nothing until the handshake completes). */
  private readonly synAckOptions: SynOptions = { mss: 0, windowShift: -1, sackPermitted: false, timestamps: false, tsVal: 0, tsEcr: 0 };
  private closed = false;

  constructor(
    private readonly env: TcpEnv,
    options?: TcpOptions,
  ) {
    this.clock = env.clock;
    this.options = resolveTcpOptions(options);
    this.memory = new ByteBudget(this.options.memoryBytes);
    const key = new Uint8Array(32);
    env.random.fill(key);
    this.secrets = new ConnectionSecrets(env.clock, key.subarray(0, 16));
    this.cookies = new SynCookies(env.clock, key.subarray(16, 32));
  }

  /** A received segment, `bytes[start..end)`, whose IPv4 header was valid; `bytes` is valid only during the call. */
  input(src: number, dst: number, bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (this.closed) return;
    this.process(src, dst, bytes, start, end);
  }

  /**
   * Segments are built in `buffer` (the IP layer's transmit buffer, where the
   * payload goes) and sent by `send`, which finds `buffer[0..length)` there:
   * no copy and no view per segment. Called before anything is sent.
   */
  buildIn(buffer: Uint8Array, send: SegmentSender): void {
    this.tx = buffer;
    this.sendBuilt = send;
  }

  /** ICMP destination unreachable about a segment we sent from src:srcPort to dst:dstPort. */
  icmpUnreachable(src: number, dst: number, srcPort: number, dstPort: number, code: number): void {
    const conn = this.find(src, srcPort, dst, dstPort);
    if (!conn) return;
    conn.icmpUnreachable(code);
  }

  listen(localAddress: number, port: number, options: ListenOptions = {}): TcpListener {
    if (this.closed) throw new StackError('closed', 'the TCP layer is closed');
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StackError('invalid-address', `invalid port ${port}`);
    const backlog = options.backlog ?? this.options.backlog;
    if (!Number.isInteger(backlog) || backlog < 1) throw new StackError('invalid-address', `invalid backlog ${backlog}`);
    const list = this.listeners.get(port) ?? [];
    if (list.some((l) => l.address === 0 || localAddress === 0 || l.address === localAddress >>> 0)) {
      throw new StackError('address-in-use', `TCP port ${port} is already listening`);
    }
    const seed = new Uint32Array(1);
    this.env.random.fill(new Uint8Array(seed.buffer));
    const listener = new TcpListenerSocket(this, localAddress >>> 0, port, backlog, this.options.synBacklog, seed[0]!);
    list.push(listener);
    this.listeners.set(port, list);
    return listener;
  }

  connect(localAddress: number, remote: number, port: number, options: ConnectOptions = {}): Promise<Flow> {
    if (this.closed) return Promise.reject(new StackError('closed', 'the TCP layer is closed'));
    if (!Number.isInteger(port) || port < 1 || port > 65535) return Promise.reject(new StackError('invalid-address', `invalid port ${port}`));
    if (remote >>> 0 === 0 || remote >>> 0 === 0xffffffff) return Promise.reject(new StackError('invalid-address', 'cannot connect to that address'));
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) return Promise.reject(new StackError('invalid-address', `invalid timeout ${timeoutMs}`));
    const local = this.ephemeralPort(localAddress >>> 0, remote >>> 0, port);
    if (local < 0) return Promise.reject(new StackError('address-in-use', 'no ephemeral port left for that destination'));
    const conn = this.createConnection(localAddress >>> 0, local, remote >>> 0, port);
    if (options.noDelay) conn.noDelay = true;
    const flow = new TcpFlow(conn);
    const opened = flow.whenOpen();
    this.stats['connections.active']++;
    conn.openActive(this.secrets.initialSequence(conn.localAddress, local, conn.remoteAddress, port), timeoutMs);
    return opened;
  }

  counters(): Record<string, number> {
    const m = this.memory;
    const memory: Record<string, number> = m.limit === Infinity ? {} : { 'memory.limit': m.limit, 'memory.used': m.used, 'memory.peak': m.peak, 'memory.refusals': m.refusals };
    let halfOpen = 0;
    for (const list of this.listeners.values()) for (const l of list) halfOpen += l.halfOpen.count;
    return { ...this.stats, 'connections.open': this.connectionCount + halfOpen, ...memory };
  }

  /** Resets every connection and closes every listener. */
  close(): void {
    if (this.closed) return;
    for (const list of [...this.listeners.values()]) for (const l of [...list]) void l.close();
    for (const list of [...this.connections.values()]) for (const c of [...list]) c.abort('closed');
    this.closed = true;
  }

  // ConnectionHost and ListenerHost

  transmit(src: number, dst: number, length: number, segmentSize = 0): boolean {
    fillTcpChecksum(this.tx, length, src, dst);
    this.stats['tx.segments']++;
    this.stats['tx.bytes'] += length;
    if (segmentSize > 0) this.stats['tx.large-segments']++;
    if (this.sendBuilt(src, dst, length, segmentSize)) return true;
    this.stats['tx.dropped']++;
    return false;
  }

  maxSegmentFor(dst: number): number {
    return this.env.maxSegmentFor(dst);
  }

  largeSegmentFor(dst: number): number {
    return this.env.largeSegmentFor?.(dst) ?? this.env.maxSegmentFor(dst);
  }

  /**
   * Whether more SYNs arrived this second than the SYN backlog holds: a
   * burst (a flood, or a crowd), answered statelessly from then on where a
   * cookie loses nothing. A flood whose half-open records are reset at once
   * by the spoofed hosts never fills the table that would otherwise switch
   * to cookies, and would churn through it.
   */
  private synBurst(): boolean {
    const second = Math.floor(this.clock.nowMs() / 1000);
    if (second !== this.synSecond) {
      this.synSecond = second;
      this.synCount = 0;
    }
    return ++this.synCount > this.options.synBacklog;
  }

  allowChallengeAck(): boolean {
    const second = Math.floor(this.clock.nowMs() / 1000);
    if (second !== this.challengeSecond) {
      this.challengeSecond = second;
      this.challengeCount = 0;
    }
    return ++this.challengeCount <= this.options.challengeAcksPerSecond;
  }

  enteredTimeWait(conn: Connection): void {
    this.timeWait.add(conn);
  }

  release(conn: Connection): void {
    this.timeWait.delete(conn);
    const key = conn.remoteAddress * 65536 + conn.remotePort;
    const list = this.connections.get(key);
    if (!list) return;
    const i = list.indexOf(conn);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.connections.delete(key);
    this.connectionCount--;
    this.memory.give(CONNECTION_STATE_BYTES);
  }

  removeListener(listener: TcpListenerSocket): void {
    // Half-open connections are reset, as a closing listening socket does.
    const t = listener.halfOpen;
    for (let r = 0; r < t.capacity && t.count > 0; r++) {
      if (t.deadline[r] === Infinity) continue;
      this.sendHalfOpenSegment(t, r, seqAdd(t.iss[r]!, 1), RST | ACK);
      t.remove(r);
    }
    listener.synAckTimer?.cancel();
    listener.synAckTimer = null;
    const list = this.listeners.get(listener.port);
    if (!list) return;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(listener.port);
  }

  notify(conn: Connection): void {
    // A promise job, not a timer: QuickJS images have no setImmediate, and the notices must not wait for I/O.
    if (this.noticed.push(conn) === 1) void Promise.resolve().then(() => this.deliverNotices());
  }

  private deliverNotices(): void {
    // Notices raised while these are delivered (a write from writable(), say) go in the next round.
    for (const conn of this.noticed.splice(0)) conn.deliverNotices();
  }

  // Demultiplexing

  private process(src: number, dst: number, bytes: Uint8Array, start: number, end: number): void {
    const c = this.stats;
    c['rx.segments']++;
    c['rx.bytes'] += end - start;
    const seg = this.view;
    const invalid = seg.wrap(bytes, start, end, src, dst);
    if (invalid) {
      c[`rx.dropped.${invalid}`]++;
      return;
    }
    const srcPort = seg.sourcePort;
    const dstPort = seg.destinationPort;
    if (srcPort === 0 || dstPort === 0) {
      c['rx.dropped.bad-port']++;
      return;
    }
    const flags = seg.flags;
    const conn = this.find(dst, dstPort, src, srcPort);
    if (conn) {
      if (!(conn.state === State.TimeWait && (flags & (SYN | ACK | RST)) === SYN && this.reuseTimeWait(conn, seg))) {
        conn.input(seg);
        return;
      }
    }
    const listener = this.findListener(dst, dstPort);
    if (listener) this.listenerInput(listener, src, dst, seg);
    else this.noSocket(src, dst, seg);
  }

  /**
   * RFC 9293 §3.10.7.4 / RFC 6191: a new SYN may end TIME-WAIT early when it
   * is clearly from a new incarnation (higher sequence number, or newer timestamp).
   */
  private reuseTimeWait(conn: Connection, seg: TcpView): boolean {
    const newer = conn.timestamps && seg.hasTimestamp ? seqGt(seg.tsVal, conn.tsRecentValue) : seqGt(seg.seq, conn.rcvNxt);
    if (!newer || !this.findListener(conn.localAddress, conn.localPort)) return false;
    this.stats['time-wait.reused']++;
    conn.release();
    return true;
  }

  /** RFC 9293 §3.10.7.2: a segment for a listening socket. */
  private listenerInput(listener: TcpListenerSocket, src: number, dst: number, seg: TcpView): void {
    const flags = seg.flags;
    const halfOpen = listener.halfOpen.find(dst, seg.destinationPort, src, seg.sourcePort);
    if (halfOpen >= 0) {
      this.halfOpenInput(listener, halfOpen, seg);
      return;
    }
    if (flags & RST) return;
    if (flags & ACK) {
      if (!(flags & SYN) && this.acceptCookie(listener, src, dst, seg)) return;
      this.sendReset(dst, src, seg);
      return;
    }
    if (!(flags & SYN)) return;
    if (listener.acceptQueueFull) {
      this.stats['rx.dropped.accept-queue-full']++;
      return;
    }
    if (this.memoryFull()) {
      // Refused at once, before any state is kept: the client learns now instead of retrying into a full heap.
      this.stats['connections.refused-memory']++;
      this.sendReset(dst, src, seg);
      return;
    }
    if (listener.halfOpen.full || this.memoryTight() || (this.synBurst() && cookieHoldsAll(seg))) {
      this.sendCookieSynAck(listener, src, dst, seg);
      return;
    }
    this.openHalf(listener, src, dst, seg);
  }

  /** A SYN with room in the listener's table: a half-open record and a SYN-ACK (RFC 9293 §3.10.7.2). */
  private openHalf(listener: TcpListenerSocket, src: number, dst: number, seg: TcpView): void {
    const t = listener.halfOpen;
    const localPort = seg.destinationPort;
    const remotePort = seg.sourcePort;
    const r = t.add(dst, localPort, src, remotePort);
    t.irs[r] = seg.seq;
    t.iss[r] = this.secrets.initialSequence(dst, localPort, src, remotePort);
    t.peerMss[r] = seg.mss;
    t.peerShift[r] = seg.windowShift;
    t.flags[r] = (seg.sackPermitted ? HALF_OPEN_SACK : 0) | (seg.hasTimestamp ? HALF_OPEN_TIMESTAMPS : 0);
    t.tsRecent[r] = seg.tsVal;
    t.tsOffset[r] = this.secrets.timestampOffset(dst, localPort, src, remotePort);
    const now = this.clock.nowMs();
    t.sentAtMs[r] = now;
    t.deadline[r] = now + initialRtoMs(this.options.minRtoMs, this.options.maxRtoMs);
    this.stats['connections.passive']++;
    this.sendHalfOpenSynAck(t, r);
    this.armSynAckTimer(listener, t.deadline[r]!);
  }

  /**
   * A segment for a half-open record: RFC 9293 §3.10.7.4 in SYN-RECEIVED,
   * with RFC 5961's challenge ACKs and RFC 7323's PAWS. The ACK of our
   * SYN-ACK makes the connection, which then takes any text or FIN it carried.
   */
  private halfOpenInput(listener: TcpListenerSocket, r: number, seg: TcpView): void {
    const t = listener.halfOpen;
    const c = this.stats;
    const flags = seg.flags;
    const seq = seg.seq;
    const rcvNxt = seqAdd(t.irs[r]!, 1);
    // A retransmitted SYN: our SYN-ACK was lost, send it again.
    if ((flags & (SYN | ACK | RST)) === SYN && seq === t.irs[r]) {
      c['retransmits']++;
      this.sendHalfOpenSynAck(t, r);
      return;
    }
    const timestamps = (t.flags[r]! & HALF_OPEN_TIMESTAMPS) !== 0;
    if (timestamps && seg.hasTimestamp && !(flags & RST) && seqLt(seg.tsVal, t.tsRecent[r]!)) {
      c['rx.dropped.paws']++;
      return;
    }
    const window = this.options.receiveBufferSize;
    const segLen = seg.payloadLength + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);
    const last = segLen > 0 ? seqAdd(seq, segLen - 1) : seq;
    if (!inWindow(seq, rcvNxt, window) && !inWindow(last, rcvNxt, window)) {
      c['rx.dropped.out-of-window']++;
      return;
    }
    if (flags & RST) {
      c['rx.resets']++;
      // RFC 5961 §3: only a reset at exactly RCV.NXT is believed; a passive open goes back to LISTEN, silently.
      if (seq === rcvNxt) t.remove(r);
      else this.halfOpenChallengeAck(t, r);
      return;
    }
    if (flags & SYN) {
      this.halfOpenChallengeAck(t, r); // RFC 5961 §4
      return;
    }
    if (!(flags & ACK)) {
      c['rx.dropped.no-ack']++;
      return;
    }
    if (seg.ack !== seqAdd(t.iss[r]!, 1)) {
      c['rx.dropped.bad-ack']++;
      this.sendReset(t.localAddress[r]!, t.remoteAddress[r]!, seg);
      return;
    }
    if (listener.acceptQueueFull) {
      c['rx.dropped.accept-queue-full']++;
      return; // the record stays: the peer retransmits, by when the application may have accepted
    }
    if (this.memoryFull()) {
      c['rx.dropped.memory']++;
      return;
    }
    // RFC 7323 §4.3: the ACK's timestamp is the one to echo (PAWS above kept it from going back).
    if (timestamps && seg.hasTimestamp && seqLe(seq, rcvNxt)) t.tsRecent[r] = seg.tsVal;
    const conn = this.createConnection(t.localAddress[r]!, t.localPort[r]!, t.remoteAddress[r]!, t.remotePort[r]!);
    conn.openEstablished(seg, t.irs[r]!, {
      mss: t.peerMss[r]!,
      windowShift: t.peerShift[r]!,
      sackPermitted: (t.flags[r]! & HALF_OPEN_SACK) !== 0,
      timestamps,
      tsVal: t.tsRecent[r]!,
    });
    // Karn: a retransmitted SYN-ACK gives no sample (RFC 6298 §3).
    if (t.retries[r] === 0) conn.rtt.sample(this.clock.nowMs() - t.sentAtMs[r]!);
    else conn.rtt.synRetransmitted();
    t.remove(r);
    listener.admit(conn);
    if (seg.payloadLength > 0 || flags & FIN) conn.input(seg);
  }

  /** SYN-ACK of half-open record `r`. */
  private sendHalfOpenSynAck(t: HalfOpenTable, r: number): void {
    const o = this.synAckOptions;
    const flags = t.flags[r]!;
    o.mss = Math.max(this.env.maxSegmentFor(t.remoteAddress[r]!) - TCP_HEADER_LEN, MIN_MSS);
    o.windowShift = t.peerShift[r]! >= 0 ? windowShiftFor(this.options.receiveBufferSize) : -1;
    o.sackPermitted = (flags & HALF_OPEN_SACK) !== 0;
    o.timestamps = (flags & HALF_OPEN_TIMESTAMPS) !== 0;
    o.tsVal = (Math.floor(this.clock.nowMs()) + t.tsOffset[r]!) >>> 0;
    o.tsEcr = t.tsRecent[r]!;
    const end = writeSynOptions(this.tx, TCP_HEADER_LEN, o);
    writeTcpHeader(this.tx, t.localPort[r]!, t.remotePort[r]!, t.iss[r]!, seqAdd(t.irs[r]!, 1), SYN | ACK, Math.min(this.options.receiveBufferSize, 0xffff), end);
    this.transmit(t.localAddress[r]!, t.remoteAddress[r]!, end);
  }

  /** RFC 5961 §7: a rate-limited ACK from half-open record `r`. */
  private halfOpenChallengeAck(t: HalfOpenTable, r: number): void {
    if (!this.allowChallengeAck()) {
      this.stats['challenge-acks.suppressed']++;
      return;
    }
    this.stats['challenge-acks']++;
    this.sendHalfOpenSegment(t, r, seqAdd(t.iss[r]!, 1), ACK);
  }

  /** A segment without text from half-open record `r`: an ACK or a reset at `seq`, acknowledging the SYN. */
  private sendHalfOpenSegment(t: HalfOpenTable, r: number, seq: number, flags: number): void {
    let end = TCP_HEADER_LEN;
    let window = 0;
    if (flags & ACK && !(flags & RST)) {
      if (t.flags[r]! & HALF_OPEN_TIMESTAMPS) end = writeTimestampOption(this.tx, end, (Math.floor(this.clock.nowMs()) + t.tsOffset[r]!) >>> 0, t.tsRecent[r]!);
      const shift = t.peerShift[r]! >= 0 ? windowShiftFor(this.options.receiveBufferSize) : 0;
      window = Math.min(this.options.receiveBufferSize >>> shift, 0xffff);
    }
    writeTcpHeader(this.tx, t.localPort[r]!, t.remotePort[r]!, seq >>> 0, seqAdd(t.irs[r]!, 1), flags, window, end);
    if (flags & RST) this.stats['tx.resets']++;
    this.transmit(t.localAddress[r]!, t.remoteAddress[r]!, end);
  }

  /** Arms the listener's SYN-ACK timer for `deadline` unless it fires earlier already. */
  private armSynAckTimer(listener: TcpListenerSocket, deadline: number): void {
    if (listener.synAckTimer && listener.synAckArmedAt <= deadline) return;
    listener.synAckTimer?.cancel();
    listener.synAckArmedAt = deadline;
    listener.synAckTimer = this.clock.at(deadline, () => this.synAckTimeouts(listener));
  }

  /** SYN-ACKs due again are resent with backoff; records out of retries go, silently (RFC 9293: back to LISTEN). */
  private synAckTimeouts(listener: TcpListenerSocket): void {
    const now = Math.max(this.clock.nowMs(), listener.synAckArmedAt);
    listener.synAckTimer = null;
    listener.synAckArmedAt = Infinity;
    const t = listener.halfOpen;
    const o = this.options;
    let next = Infinity;
    for (let r = 0; r < t.capacity; r++) {
      const due = t.deadline[r]!;
      if (due === Infinity) continue;
      if (due <= now) {
        if (t.retries[r]! >= o.synRetries) {
          this.stats['connections.timed-out']++;
          t.remove(r);
          continue;
        }
        t.retries[r]++;
        this.stats['retransmits']++;
        this.sendHalfOpenSynAck(t, r);
        t.deadline[r] = now + Math.min(initialRtoMs(o.minRtoMs, o.maxRtoMs) * 2 ** t.retries[r]!, o.maxRtoMs);
      }
      next = Math.min(next, t.deadline[r]!);
    }
    if (next !== Infinity) this.armSynAckTimer(listener, next);
  }

  /** RFC 4987 §3.6: a SYN-ACK whose ISN is a cookie; nothing is remembered. */
  private sendCookieSynAck(listener: TcpListenerSocket, src: number, dst: number, seg: TcpView): void {
    const localPort = seg.destinationPort;
    const remotePort = seg.sourcePort;
    const peerMss = seg.mss >= 0 ? seg.mss : 536;
    const mss = Math.min(peerMss, this.env.maxSegmentFor(src) - TCP_HEADER_LEN);
    const cookie = this.cookies.make(dst, localPort, src, remotePort, seg.seq, mss);
    const b = this.tx;
    const tsNow = (Math.floor(this.clock.nowMs()) + this.secrets.timestampOffset(dst, localPort, src, remotePort)) >>> 0;
    // Scaling and SACK are remembered in the timestamp; without timestamps they cannot be offered (RFC 4987 §3.6).
    const shift = seg.windowShift >= 0 && seg.hasTimestamp ? windowShiftFor(this.options.receiveBufferSize) : -1;
    const o = this.synAckOptions;
    o.mss = this.env.maxSegmentFor(src) - TCP_HEADER_LEN;
    o.windowShift = shift;
    o.sackPermitted = seg.hasTimestamp && seg.sackPermitted;
    o.timestamps = seg.hasTimestamp;
    o.tsVal = encodeCookieTimestamp(tsNow, seg.windowShift, seg.sackPermitted);
    o.tsEcr = seg.tsVal;
    const end = writeSynOptions(b, TCP_HEADER_LEN, o);
    writeTcpHeader(b, localPort, remotePort, cookie, (seg.seq + 1) >>> 0, SYN | ACK, Math.min(this.options.receiveBufferSize, 0xffff), end);
    listener.lastCookieMs = this.clock.nowMs();
    this.stats['syn-cookies.sent']++;
    this.transmit(dst, src, end);
  }

  /** The ACK completing a cookie handshake: rebuild the connection from it. */
  private acceptCookie(listener: TcpListenerSocket, src: number, dst: number, seg: TcpView): boolean {
    if (this.clock.nowMs() - listener.lastCookieMs > COOKIE_CHECK_MS) return false;
    const localPort = seg.destinationPort;
    const remotePort = seg.sourcePort;
    const mss = this.cookies.check(dst, localPort, src, remotePort, (seg.seq - 1) >>> 0, (seg.ack - 1) >>> 0);
    if (mss < 0) {
      this.stats['rx.dropped.bad-cookie']++;
      return false;
    }
    if (listener.acceptQueueFull) {
      this.stats['rx.dropped.accept-queue-full']++;
      return true; // the peer will retransmit; a reset would kill a good connection
    }
    if (this.memoryFull()) {
      // Not yet: nothing is kept, the peer resends its ACK or its first data (the cookie is in every segment's
      // acknowledgement number until data flows), by when services may have freed memory.
      this.stats['rx.dropped.memory']++;
      return true;
    }
    const peer = seg.hasTimestamp ? decodeCookieTimestamp(seg.tsEcr, mss) : { mss, windowShift: -1, sackPermitted: false };
    const conn = this.createConnection(dst, localPort, src, remotePort);
    conn.openEstablished(seg, (seg.seq - 1) >>> 0, { ...peer, timestamps: seg.hasTimestamp, tsVal: seg.tsVal });
    this.stats['syn-cookies.accepted']++;
    this.stats['connections.passive']++;
    listener.admit(conn);
    // The ACK may carry data or a FIN: process it as an established connection would.
    if (seg.payloadLength > 0 || seg.flags & FIN) conn.input(seg);
    return true;
  }

  /** RFC 9293 §3.10.7.1: a segment for no socket gets a reset, unless it is one. */
  private noSocket(src: number, dst: number, seg: TcpView): void {
    this.stats['rx.dropped.no-socket']++;
    if (seg.flags & RST) return;
    this.sendReset(dst, src, seg);
  }

  private sendReset(local: number, remote: number, seg: TcpView): void {
    const flags = seg.flags;
    const segLen = seg.payloadLength + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);
    const length = writeResetFor(this.tx, seg.destinationPort, seg.sourcePort, (flags & ACK) !== 0, seg.ack, seg.seq + segLen);
    this.stats['tx.resets']++;
    this.transmit(local, remote, length);
  }

  /** Whether one more connection would pass the budget; if so, services are asked to free memory. */
  private memoryFull(): boolean {
    const m = this.memory;
    if (!this.memoryTight() || m.used + CONNECTION_STATE_BYTES <= m.limit) return false;
    m.reclaim(CONNECTION_STATE_BYTES); // so that the next SYN (or retransmitted ACK) may find room
    return true;
  }

  /**
   * Whether less than COOKIE_RESERVE of the budget is left, once TIME-WAIT
   * connections were let go, oldest first, while less than TIME_WAIT_RESERVE
   * was (as Linux does past its TIME-WAIT bucket limit): a connection in
   * TIME-WAIT holds little but its state, and a busy server makes many.
   */
  private memoryTight(): boolean {
    if (this.timeWait.size > 0 && this.memoryShort(TIME_WAIT_RESERVE)) {
      for (const conn of this.timeWait) {
        if (!this.memoryShort(TIME_WAIT_RESERVE)) break;
        this.stats['time-wait.dropped-memory']++;
        conn.release();
      }
    }
    return this.memoryShort(COOKIE_RESERVE);
  }

  /** Whether one more connection would leave less than `reserve` of the budget. */
  private memoryShort(reserve: number): boolean {
    const m = this.memory;
    return m.used + CONNECTION_STATE_BYTES > m.limit * (1 - reserve);
  }

  private createConnection(localAddress: number, localPort: number, remoteAddress: number, remotePort: number): Connection {
    this.memory.take(CONNECTION_STATE_BYTES);
    const conn = new Connection(this, localAddress, localPort, remoteAddress, remotePort, this.secrets.timestampOffset(localAddress, localPort, remoteAddress, remotePort));
    const key = remoteAddress * 65536 + remotePort;
    const list = this.connections.get(key);
    if (list) list.push(conn);
    else this.connections.set(key, [conn]);
    this.connectionCount++;
    return conn;
  }

  private find(localAddress: number, localPort: number, remoteAddress: number, remotePort: number): Connection | null {
    const list = this.connections.get(remoteAddress * 65536 + remotePort);
    if (!list) return null;
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      if (c.localPort === localPort && c.localAddress === localAddress) return c;
    }
    return null;
  }

  private findListener(address: number, port: number): TcpListenerSocket | null {
    const list = this.listeners.get(port);
    if (!list) return null;
    let any: TcpListenerSocket | null = null;
    for (let i = 0; i < list.length; i++) {
      const l = list[i]!;
      if (l.address === address) return l;
      if (l.address === 0) any = l;
    }
    return any;
  }

  /** An unused local port for this destination, starting from a random one (RFC 6056 §3.3.1). */
  private ephemeralPort(localAddress: number, remote: number, remotePort: number): number {
    const r = new Uint8Array(2);
    this.env.random.fill(r);
    const start = ((r[0]! << 8) | r[1]!) % EPHEMERAL_COUNT;
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      const port = EPHEMERAL_FIRST + ((start + i) % EPHEMERAL_COUNT);
      if (!this.find(localAddress, port, remote, remotePort) && !this.listeners.has(port)) return port;
    }
    return -1;
  }
}

/**
 * Whether a SYN cookie carries everything the SYN offered: window scaling
 * and SACK ride in the timestamp, so without timestamps only a SYN that
 * offered neither (the MSS goes in the cookie itself, rounded down to its
 * table).
 */
function cookieHoldsAll(seg: TcpView): boolean {
  return seg.hasTimestamp || (seg.windowShift < 0 && !seg.sackPermitted);
}

/** Whether `seq` lies in the receive window of `window` bytes from `rcvNxt`. */
function inWindow(seq: number, rcvNxt: number, window: number): boolean {
  return seqGe(seq, rcvNxt) && seqLt(seq, seqAdd(rcvNxt, window));
}
