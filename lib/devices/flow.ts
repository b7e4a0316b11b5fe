import { KilnError } from '../errors.ts';

export type FlowErrorCode =
  /** The peer reset the connection (TCP RST). */
  | 'reset'
  /** The peer stopped answering: retransmissions or keepalives ran out. */
  | 'timed-out'
  /** The peer refused the connection (RST to our SYN, or ICMP port unreachable). */
  | 'refused'
  /** No route to the peer, or ARP resolution failed. */
  | 'unreachable'
  /** This side closed or aborted the flow, or wrote after `shutdown()`. */
  | 'closed';

export class FlowError extends KilnError<FlowErrorCode> {}

/** One endpoint of a flow: an IPv4 address in dotted form and a port. */
export interface Endpoint {
  address: string;
  port: number;
}

/**
 * Flow: a reliable, ordered byte stream (a TCP connection).
 *
 * - `read()` resolves with the next bytes available (at least one byte), or
 *   with `null` at end of stream (the peer shut down its write side). It
 *   rejects with a `FlowError` when the connection failed. Reading is what
 *   opens the receive window: data the application does not read eventually
 *   stops the sender. The bytes are the reader's: the flow never reads or
 *   writes that memory again, so a reader may keep them or work in place
 *   (TLS decrypts records where they arrived).
 * - `write(data)` resolves once the bytes are accepted into the bounded send
 *   buffer; while it is full the promise waits (back-pressure). The caller may
 *   reuse `data` once the promise resolves. Rejects with `FlowError`.
 * - `shutdown()` ends the write side (TCP FIN after the buffered data); reading
 *   goes on.
 * - `close()` shuts down both directions and releases the flow; pending reads
 *   resolve with `null`. `abort()` resets the connection at once.
 * - A Flow is an async iterable of chunks, ending at end of stream.
 */
export interface Flow extends AsyncIterable<Uint8Array> {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  read(): Promise<Uint8Array | null>;
  write(data: Uint8Array): Promise<void>;
  shutdown(): Promise<void>;
  close(): Promise<void>;
  abort(): void;
}
