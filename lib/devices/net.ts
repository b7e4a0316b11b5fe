import { KilnError } from '../errors.ts';

/** A 6-byte Ethernet MAC address. */
export type MacAddress = Uint8Array;

export type NetErrorCode =
  /** The frame is longer than the MTU plus the Ethernet header, or shorter than a header. */
  | 'frame-size'
  /** The interface has been closed. */
  | 'closed'
  /** The interface cannot be used here (for example a forked child without a tap of its own). */
  | 'unavailable'
  /** The host reported an I/O error. */
  | 'io';

export class NetError extends KilnError<NetErrorCode> {}

/** Frame counters of one interface. Every field only grows. */
export interface NetCounters {
  rxFrames: number;
  rxBytes: number;
  txFrames: number;
  txBytes: number;
  /** Frames received but dropped by the driver (no listener, malformed, over-long). */
  rxDropped: number;
  /** Frames the driver could not send. */
  txDropped: number;
}

/** What a device does for large TCP segments (see `Net.offload`). */
export interface NetOffload {
  /**
   * Largest payload after the Ethernet header in a frame `write` takes with
   * a segment size, and in a received frame: the device may hand the
   * receiver in-order TCP segments of one connection coalesced into one,
   * checksums valid.
   */
  readonly maxPayload: number;
}

/** Called with one received Ethernet frame. */
export type FrameHandler = (frame: Uint8Array) => void;

/**
 * Net: one Ethernet interface (Solo5's NET_BASIC device).
 *
 * - `write` sends one whole Ethernet frame (header included, no FCS). It is
 *   synchronous: the frame has been handed to the host (or queued in a bounded
 *   ring) when it returns, so the caller may reuse its buffer. It throws a
 *   `NetError` when the frame cannot be sent.
 * - `onFrame` registers the receiver. The frame passed to it is a view into a
 *   driver buffer that is reused after the handler returns: copy what you keep.
 *   One handler per interface; a later call replaces the earlier one. The
 *   handler is never called from inside `write` (a frame that comes straight
 *   back arrives on a later turn), so a stack need not be re-entrant.
 */
export interface Net {
  readonly mac: MacAddress;
  /** Largest payload after the 14-byte Ethernet header, in bytes (1500 by default). */
  readonly mtu: number;
  /**
   * Large TCP segments across the device, when it offers them (a tap with
   * virtio-net headers): the largest payload after the Ethernet header that
   * `write` takes and the receiver may be given. Absent: every frame fits
   * the MTU.
   */
  readonly offload?: NetOffload;
  /**
   * With `segmentSize` (only on a device with `offload`): `frame` is one
   * TCP/IPv4 segment over the MTU, checksums filled in, which the device
   * sends as standard segments of `segmentSize` payload bytes each (the
   * header and options repeated, sequence numbers, lengths and checksums
   * fixed up, FIN and PSH on the last only).
   */
  write(frame: Uint8Array, segmentSize?: number): void;
  onFrame(handler: FrameHandler): void;
  counters(): NetCounters;
  /** Stops receiving; later writes throw `NetError('closed')`. */
  close(): void;
}

export function emptyNetCounters(): NetCounters {
  return { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxDropped: 0, txDropped: 0 };
}

/** Formats a MAC as `aa:bb:cc:dd:ee:ff`. */
export function formatMac(mac: MacAddress): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Parses `aa:bb:cc:dd:ee:ff`; returns null when the text is not a MAC. */
export function parseMac(text: string): MacAddress | null {
  const m = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(text);
  if (!m) return null;
  return Uint8Array.from(m.slice(1), (h) => parseInt(h, 16));
}
