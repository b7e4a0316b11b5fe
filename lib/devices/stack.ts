import { KilnError } from '../errors.ts';
import type { Endpoint, Flow } from './flow.ts';
import type { MemoryBudget } from './memory-budget.ts';

export type StackErrorCode =
  /** The port is already bound by another listener or socket. */
  | 'address-in-use'
  /** The text is not a dotted IPv4 address, or a port is outside 0-65535. */
  | 'invalid-address'
  /** This implementation cannot do that here (for example raw ICMP without privileges on unix). */
  | 'unsupported'
  /** No answer in time (ICMP echo, DHCP). */
  | 'timed-out'
  /** No route to the destination, or ARP resolution failed. */
  | 'unreachable'
  /** The datagram is larger than the stack can send. */
  | 'message-size'
  /** The stack or socket was closed. */
  | 'closed';

export class StackError extends KilnError<StackErrorCode> {}

/** How an interface's IPv4 address came to be, and what it is. */
export interface Ipv4Config {
  /** Dotted address, for example `10.0.0.2`. */
  address: string;
  /** Prefix length, 0-32. */
  prefix: number;
  /** Default gateway, or null for none. */
  gateway: string | null;
  /** `static` from boot arguments, `dhcp` from a lease, `host` on unix. */
  source: 'static' | 'dhcp' | 'host';
  /**
   * DNS servers this configuration names, dotted, in order of preference:
   * the DHCP lease's (option 6, updated on renewal), the host's
   * (/etc/resolv.conf) on unix, none when static. `--resolver=IP` is not
   * listed here: lib/dns reads it and it wins over these.
   */
  dnsServers: readonly string[];
}

export interface ListenOptions {
  /** Address to bind; `0.0.0.0` (all) by default. */
  address?: string;
  /** Connections completed but not yet accepted, at most. */
  backlog?: number;
}

export interface ConnectOptions {
  /** Give up connecting after this many milliseconds (default 75 s, as common TCPs do). */
  timeoutMs?: number;
  /** Disable Nagle's algorithm on the new flow. */
  noDelay?: boolean;
}

/** A listening TCP socket. Async-iterating it yields accepted flows until it is closed. */
export interface TcpListener extends AsyncIterable<Flow> {
  readonly local: Endpoint;
  /** The memory budget the stack counts its connections against, for a service to count its own per-connection state in (absent: none). */
  readonly memory?: MemoryBudget;
  /** Resolves with the next established connection; rejects with `StackError('closed')` once closed. */
  accept(): Promise<Flow>;
  close(): Promise<void>;
}

export interface Datagram {
  data: Uint8Array;
  from: Endpoint;
}

/** A bound UDP socket. */
export interface UdpSocket extends AsyncIterable<Datagram> {
  readonly local: Endpoint;
  send(data: Uint8Array, to: Endpoint): Promise<void>;
  /** Resolves with the next datagram; rejects with `StackError('closed')` once closed. */
  receive(): Promise<Datagram>;
  close(): Promise<void>;
}

export interface PingOptions {
  /** Bytes of echo payload (default 56, like Linux ping). */
  payloadSize?: number;
  /** Give up after this many milliseconds (default 1000). */
  timeoutMs?: number;
}

export interface PingReply {
  from: string;
  sequence: number;
  payloadSize: number;
  /** Round-trip time in milliseconds. */
  rttMs: number;
}

/** Counters of the stack, by layer then name (for example `tcp.rx.dropped.checksum`). */
export type StackCounters = Record<string, Record<string, number>>;

/**
 * Stack: TCP, UDP and ICMP echo above one network interface.
 *
 * On unix it is backed by the host's sockets; on hvt by Kiln's TypeScript
 * TCP/IP stack over a Net device, configured from the boot arguments
 * `--ipv4=A/N` and `--ipv4-gateway=G`, else by DHCP.
 */
export interface Stack {
  readonly ipv4: Ipv4Config;
  listenTcp(port: number, options?: ListenOptions): Promise<TcpListener>;
  connectTcp(address: string, port: number, options?: ConnectOptions): Promise<Flow>;
  /** Binds a UDP socket; port 0 picks an ephemeral port. */
  bindUdp(port: number, address?: string): Promise<UdpSocket>;
  /** Sends one ICMP echo request and resolves with the reply. */
  ping(address: string, options?: PingOptions): Promise<PingReply>;
  counters(): StackCounters;
  /** Closes every socket and stops the stack. */
  close(): Promise<void>;
}
