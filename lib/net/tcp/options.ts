/** Tunables of the TCP layer, with the defaults a general-purpose stack uses. */

export interface KeepaliveOptions {
  /** Idle time before the first probe. */
  idleMs: number;
  /** Time between unanswered probes. */
  intervalMs: number;
  /** Unanswered probes before the connection fails with 'timed-out'. */
  probes: number;
}

export interface TcpOptions {
  /** Maximum segment lifetime; TIME_WAIT lasts twice this (RFC 9293 §3.4.2). Default 30 s. */
  mslMs?: number;
  /** Completed connections a listener holds until accepted, when `listen` is given none. Default 128. */
  backlog?: number;
  /** Half-open (SYN-RECEIVED) connections per listener before SYN cookies take over (RFC 4987). Default 256. */
  synBacklog?: number;
  /** Send buffer per connection in bytes; writes wait while it is full. Default 128 KiB. */
  sendBufferSize?: number;
  /** Receive buffer per connection in bytes; it is the largest window offered. Default 128 KiB. */
  receiveBufferSize?: number;
  /** Longest an ACK is delayed (RFC 9293 §3.8.6.3 requires under 500 ms). Default 40 ms. */
  delayedAckMs?: number;
  /** Disable Nagle's algorithm on accepted connections. Default false. */
  noDelay?: boolean;
  /** Keepalive probes on idle connections (RFC 9293 §3.8.4); off unless given. */
  keepalive?: KeepaliveOptions | null;
  /** Lower bound of the retransmission timeout (RFC 6298 §2.4). Default 1000 ms. */
  minRtoMs?: number;
  /** Upper bound of the retransmission timeout after backoff. Default 60 s. */
  maxRtoMs?: number;
  /** Retransmissions of one segment (or unanswered zero-window probes) before 'timed-out'. Default 12. */
  maxRetransmits?: number;
  /** SYN and SYN-ACK retransmissions before giving up. Default 6. */
  synRetries?: number;
  /** Challenge ACKs sent per second at most, layer-wide (RFC 5961 §7). Default 1000. */
  challengeAcksPerSecond?: number;
  /**
   * Bytes the layer's connections may hold (rings, reassembly, per-connection
   * state), shared with services on its listeners (`TcpListener.memory`).
   * While less than an eighth is left, SYNs are answered with cookies only;
   * once a connection would not fit, SYNs are refused with a reset. Default:
   * no limit.
   */
  memoryBytes?: number;
}

export type ResolvedTcpOptions = Required<TcpOptions>;

export function resolveTcpOptions(options: TcpOptions = {}): ResolvedTcpOptions {
  const resolved: ResolvedTcpOptions = {
    mslMs: options.mslMs ?? 30_000,
    backlog: options.backlog ?? 128,
    synBacklog: options.synBacklog ?? 256,
    sendBufferSize: options.sendBufferSize ?? 128 * 1024,
    receiveBufferSize: options.receiveBufferSize ?? 128 * 1024,
    delayedAckMs: options.delayedAckMs ?? 40,
    noDelay: options.noDelay ?? false,
    keepalive: options.keepalive ?? null,
    minRtoMs: options.minRtoMs ?? 1000,
    maxRtoMs: options.maxRtoMs ?? 60_000,
    maxRetransmits: options.maxRetransmits ?? 12,
    synRetries: options.synRetries ?? 6,
    challengeAcksPerSecond: options.challengeAcksPerSecond ?? 1000,
    memoryBytes: options.memoryBytes ?? Infinity,
  };
  const positive: (keyof ResolvedTcpOptions)[] = ['mslMs', 'backlog', 'synBacklog', 'delayedAckMs', 'minRtoMs', 'maxRtoMs', 'memoryBytes'];
  for (const key of positive) {
    const v = resolved[key];
    if (typeof v !== 'number' || !(v > 0)) throw new RangeError(`TcpOptions.${key} must be a positive number`);
  }
  for (const key of ['sendBufferSize', 'receiveBufferSize'] as const) {
    const v = resolved[key];
    // The window field scaled by 14 bits reaches 2^30; buffers beyond that could not be offered.
    if (!Number.isInteger(v) || v < 1024 || v > 1 << 30) throw new RangeError(`TcpOptions.${key} must be an integer in 1 KiB..1 GiB`);
  }
  if (resolved.delayedAckMs >= 500) throw new RangeError('TcpOptions.delayedAckMs must be under 500 ms (RFC 9293)');
  if (resolved.maxRtoMs < resolved.minRtoMs) throw new RangeError('TcpOptions.maxRtoMs must be at least minRtoMs');
  const k = resolved.keepalive;
  if (k && !(k.idleMs > 0 && k.intervalMs > 0 && Number.isInteger(k.probes) && k.probes > 0)) {
    throw new RangeError('TcpOptions.keepalive needs positive idleMs, intervalMs and probes');
  }
  return resolved;
}
