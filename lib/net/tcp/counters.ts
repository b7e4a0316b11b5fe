/** The TCP layer's counters: every drop has a reason, every recovery action a count. */

const NAMES = [
  'rx.segments',
  'rx.bytes',
  'tx.segments',
  'tx.bytes',
  'tx.dropped',
  // Segments over the MTU handed to the device to cut (TCP segmentation offload).
  'tx.large-segments',
  'rx.dropped.truncated',
  'rx.dropped.data-offset',
  'rx.dropped.options',
  'rx.dropped.checksum',
  'rx.dropped.bad-port',
  'rx.dropped.no-socket',
  'rx.dropped.out-of-window',
  'rx.dropped.paws',
  'rx.dropped.bad-ack',
  'rx.dropped.no-ack',
  'rx.dropped.reassembly-full',
  'rx.dropped.accept-queue-full',
  'rx.dropped.bad-cookie',
  'rx.dropped.after-close',
  /** Text (or a cookie handshake's ACK) dropped whole, never acknowledged, because the memory budget could not hold it. */
  'rx.dropped.memory',
  'rx.duplicate-segments',
  'rx.out-of-order',
  'rx.resets',
  'tx.resets',
  'retransmits',
  'retransmits.fast',
  'retransmits.sack',
  'retransmits.timeout',
  'retransmits.lost-detected',
  'fast-recoveries',
  'challenge-acks',
  'challenge-acks.suppressed',
  'syn-cookies.sent',
  'syn-cookies.accepted',
  'connections.active',
  'connections.passive',
  'connections.established',
  'connections.reset',
  'connections.refused',
  /** New connections refused with a reset because the memory budget was full. */
  'connections.refused-memory',
  'connections.timed-out',
  'connections.aborted',
  'zero-window-probes',
  'keepalive-probes',
  'time-wait.reused',
  /** TIME-WAIT connections let go early because the memory budget was tight. */
  'time-wait.dropped-memory',
] as const;

export type TcpCounterName = (typeof NAMES)[number];
export type TcpCounters = Record<TcpCounterName, number>;

export function newTcpCounters(): TcpCounters {
  const c = {} as TcpCounters;
  for (const name of NAMES) c[name] = 0;
  return c;
}
