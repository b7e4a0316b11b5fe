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
import { ACK, RST, SYN, FIN, TCP_HEADER_LEN, TcpView, fillTcpChecksum, writeTcpHeader } from '../wire/tcp.ts';
import { Connection, type ConnectionHost, State } from './connection.ts';
import { newTcpCounters, type TcpCounters } from './counters.ts';
import { TcpFlow } from './flow.ts';
import { ConnectionSecrets } from './isn.ts';
import { TcpListenerSocket, type ListenerHost } from './listener.ts';
import { resolveTcpOptions, type ResolvedTcpOptions, type TcpOptions } from './options.ts';
import { windowShiftFor, writeResetFor, writeSynOptions, type SynOptions } from './segment-builder.ts';
import { SynCookies, decodeCookieTimestamp, encodeCookieTimestamp } from './syn-cookies.ts';
import { seqGt } from './seq.ts';
import { EPHEMERAL_COUNT, EPHEMERAL_FIRST } from '../ephemeral-ports.ts';

export type { TcpOptions } from './options.ts';

export interface TcpEnv {
  clock: Clock; // timers via clock.at / clock.nowMs; never read a global clock
  random: Random;
  /** Sends one TCP segment (header + payload, checksum already filled in) to dst; the IP layer adds the IPv4 header, routes and ARPs. Returns false if it was dropped (no route, ARP queue full). The segment is a view of TCP's transmit buffer, valid only during the call: copy it to keep it. Must not feed anything back into `input` during the call (no layer here is re-entrant). Absent when the IP layer has TCP build in its buffer instead (`TcpLayer.buildIn`, before anything is sent). */
  sendSegment?(src: number, dst: number, segment: Uint8Array, segmentSize?: number): boolean;
  /** Largest TCP segment (header+payload) that fits in one IPv4 packet to dst without fragmenting. */
  maxSegmentFor(dst: number): number;
  /**
   * Largest TCP segment to dst that `sendSegment` takes with a `segmentSize`
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
  /** Where segments are built: TCP's own buffer, or the IP layer's (see `buildIn`). */
  tx: Uint8Array = new Uint8Array(65536);
  private sendBuilt: ((src: number, dst: number, length: number, segmentSize: number) => boolean) | null = null;
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
  /** The options of every cookie SYN-ACK, filled in place (the SYN path allocates nothing until the handshake completes). */
  private readonly cookieSynOptions: SynOptions = { mss: 0, windowShift: -1, sackPermitted: false, timestamps: false, tsVal: 0, tsEcr: 0 };
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

  /** A received segment whose IPv4 header was valid; `segment` is a view valid only during the call. */
  input(src: number, dst: number, segment: Uint8Array): void {
    if (this.closed) return;
    this.process(src, dst, segment, 0, segment.length);
  }

  /** As `input`, the segment being `bytes[start..end)` (the IPv4 layer's packet: no view made for it). */
  receive(src: number, dst: number, bytes: Uint8Array, start: number, end: number): void {
    if (this.closed) return;
    this.process(src, dst, bytes, start, end);
  }

  /**
   * From now on segments are built in `buffer` (the IP layer's transmit
   * buffer, where the payload goes) and sent by `send`, which finds
   * `buffer[0..length)` there: no copy and no view per segment. Called before
   * anything is sent.
   */
  buildIn(buffer: Uint8Array, send: (src: number, dst: number, length: number, segmentSize: number) => boolean): void {
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
    const listener = new TcpListenerSocket(this, localAddress >>> 0, port, backlog);
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
    return { ...this.stats, 'connections.open': this.connectionCount, ...memory };
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
    if (this.sendBuilt ? this.sendBuilt(src, dst, length, segmentSize) : this.env.sendSegment!(src, dst, this.tx.subarray(0, length), segmentSize)) return true;
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
   * cookie loses nothing. A half-open connection costs a whole connection's
   * objects (several times a cookie's work, and memory), and a flood whose
   * half-open connections are reset at once by the spoofed hosts never
   * fills the backlog that would otherwise switch to cookies.
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
    if (listener.halfOpen.size >= this.options.synBacklog || this.memoryTight() || (this.synBurst() && cookieHoldsAll(seg))) {
      this.sendCookieSynAck(listener, src, dst, seg);
      return;
    }
    const conn = this.createConnection(dst, seg.destinationPort, src, seg.sourcePort);
    conn.listener = listener;
    listener.halfOpen.add(conn);
    this.stats['connections.passive']++;
    conn.openPassive(seg, this.secrets.initialSequence(dst, seg.destinationPort, src, seg.sourcePort));
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
    const o = this.cookieSynOptions;
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
    conn.openFromCookie(seg, { ...peer, timestamps: seg.hasTimestamp, tsVal: seg.tsVal });
    this.stats['syn-cookies.accepted']++;
    this.stats['connections.passive']++;
    conn.listener = listener;
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
    const m = this.memory;
    const short = (reserve: number): boolean => m.used + CONNECTION_STATE_BYTES > m.limit * (1 - reserve);
    for (const conn of this.timeWait) {
      if (!short(TIME_WAIT_RESERVE)) break;
      this.stats['time-wait.dropped-memory']++;
      conn.release();
    }
    return short(COOKIE_RESERVE);
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
    for (const l of list) {
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
