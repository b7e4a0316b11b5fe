/**
 * ICMPv4 (RFC 792, RFC 1122 §3.2.2): echo replies of any size the IP layer
 * delivers, a ping API with round-trip times, rate-limited error messages,
 * and dispatch of received destination-unreachable errors to TCP and ping.
 */
import type { Clock, Timer } from '../../devices/clock.ts';
import { StackError } from '../../devices/stack.ts';
import { formatIpv4 } from '../../ipv4-text.ts';
import { readU16, readU32, writeU16 } from '../wire/bytes.ts';
import {
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_HEADER_LEN,
  IcmpView,
  UNREACHABLE_HOST,
  writeIcmpHeader,
} from '../wire/icmpv4.ts';
import { IPV4_HEADER_LEN, PROTOCOL_ICMP, type Ipv4View } from '../wire/ipv4.ts';
import { LayerCounters } from '../iface/counters.ts';
import { PAYLOAD_OFFSET, type Ipv4Output, type SendResult } from '../iface/interface.ts';
import { isMulticastOrReserved } from '../iface/routing.ts';
import { RateLimiter } from './rate-limiter.ts';

export interface IcmpOptions {
  /** ICMP error messages per second, sustained (default 100). */
  errorsPerSecond?: number;
  /** ICMP error messages in a burst (default 20). */
  errorBurst?: number;
}

/** About a datagram we sent: its protocol, addresses, the first two 16-bit words of its payload (ports), the code. */
export type UnreachableHandler = (protocol: number, src: number, dst: number, srcPort: number, dstPort: number, code: number) => void;

/** What ICMP needs from the stack. */
export interface IcmpEnv {
  ip: Ipv4Output;
  clock: Clock;
  /** Told of every destination unreachable about a datagram of ours other than a ping (TCP's connections). */
  unreachable: UnreachableHandler;
}

/** An echo reply to `ping`. */
export interface EchoReply {
  from: number;
  sequence: number;
  payloadSize: number;
  rttMs: number;
}

interface PendingPing {
  sentMs: number;
  payloadSize: number;
  timer: Timer;
  resolve: (reply: EchoReply) => void;
  reject: (err: StackError) => void;
}

/** Longest echo payload: a whole IPv4 datagram less the IPv4 and ICMP headers. */
export const MAX_ECHO_PAYLOAD = 65535 - IPV4_HEADER_LEN - ICMP_HEADER_LEN;

export class IcmpLayer {
  readonly counters = new LayerCounters();

  private readonly view = new IcmpView();
  private readonly limiter: RateLimiter;
  private readonly identifier: number;
  private sequence = 0;
  private readonly pings = new Map<number, PendingPing>();

  private readonly ip: Ipv4Output;
  private readonly clock: Clock;

  constructor(
    private readonly env: IcmpEnv,
    identifier: number,
    options: IcmpOptions = {},
  ) {
    this.ip = env.ip;
    this.clock = env.clock;
    this.identifier = identifier & 0xffff;
    this.limiter = new RateLimiter(env.clock, options.errorsPerSecond ?? 100, options.errorBurst ?? 20);
  }

  input(ip: Ipv4View): void {
    const c = this.counters;
    const v = this.view;
    c.rx++;
    const invalid = v.wrap(ip.bytes, ip.payloadStart, ip.payloadEnd);
    if (invalid !== null) return c.dropRx(invalid);
    switch (v.type) {
      case ICMP_ECHO_REQUEST:
        return this.reply(ip, v);
      case ICMP_ECHO_REPLY:
        return this.echoReply(ip, v);
      case ICMP_DEST_UNREACHABLE:
        return this.unreachable(v.bytes, v.bodyStart, v.end, v.code);
      default:
        c.add('rx.ignored');
    }
  }

  /** Sends an echo request and resolves with the reply's round-trip time. */
  ping(dst: number, payloadSize: number, timeoutMs: number): Promise<EchoReply> {
    if (!Number.isInteger(payloadSize) || payloadSize < 0 || payloadSize > MAX_ECHO_PAYLOAD) {
      return Promise.reject(new StackError('message-size', `ping payload must be 0-${MAX_ECHO_PAYLOAD} bytes, got ${payloadSize}`));
    }
    const seq = this.sequence;
    this.sequence = (seq + 1) & 0xffff;
    const tx = this.ip.tx;
    const body = PAYLOAD_OFFSET + ICMP_HEADER_LEN;
    for (let i = 0; i < payloadSize; i++) tx[body + i] = (seq + i) & 0xff;
    writeIcmpHeader(tx, PAYLOAD_OFFSET, body + payloadSize, ICMP_ECHO_REQUEST, 0, this.identifier, seq);
    return new Promise((resolve, reject) => {
      const result = this.send(0, dst, ICMP_HEADER_LEN + payloadSize);
      if (result === 'no-route' || result === 'failed' || result === 'queue-full') {
        reject(new StackError('unreachable', `no route to ${formatIpv4(dst)} (${result})`));
        return;
      }
      const stale = this.pings.get(seq);
      if (stale) this.settle(seq, stale).reject(new StackError('timed-out', 'ping sequence number reused'));
      const pending: PendingPing = {
        sentMs: this.clock.nowMs(),
        payloadSize,
        timer: { cancel() {} },
        resolve,
        reject,
      };
      pending.timer = this.clock.at(pending.sentMs + timeoutMs, () => {
        this.settle(seq, pending).reject(new StackError('timed-out', `no echo reply from ${formatIpv4(dst)} in ${timeoutMs} ms`));
      });
      this.pings.set(seq, pending);
    });
  }

  /**
   * Sends an ICMP error about the packet in `ip` (RFC 1122 §3.2.2: never
   * about an ICMP error, a broadcast, a non-first fragment or a source that
   * is not one host), at most at the configured rate.
   */
  sendError(type: number, code: number, ip: Ipv4View): void {
    if (ip.fragmentOffset !== 0) return;
    this.sendErrorAbout(type, code, ip.bytes, ip.start, Math.min(ip.payloadEnd, ip.payloadStart + 8), ip.protocol);
  }

  /** As `sendError`, for an original datagram held as bytes (header and at least 8 data bytes). */
  sendErrorAbout(type: number, code: number, bytes: Uint8Array, start: number, end: number, protocol: number): void {
    const c = this.counters;
    const src = readU32(bytes, start + 12);
    const dst = readU32(bytes, start + 16);
    const icmpType = start + (bytes[start]! & 15) * 4;
    if (protocol === PROTOCOL_ICMP && icmpType < end && !isInformational(bytes[icmpType]!)) {
      return c.add('tx.suppressed.about-error');
    }
    const r = this.ip.routing;
    if (r.isBroadcast(dst) || isMulticastOrReserved(dst) || src === 0 || r.isBroadcast(src) || isMulticastOrReserved(src)) {
      return c.add('tx.suppressed.not-unicast');
    }
    if (!this.limiter.take()) return c.add('tx.suppressed.rate-limit');
    const tx = this.ip.tx;
    const body = PAYLOAD_OFFSET + ICMP_HEADER_LEN;
    tx.set(bytes.subarray(start, end), body);
    writeIcmpHeader(tx, PAYLOAD_OFFSET, body + (end - start), type, code, 0, 0);
    c.add(`tx.error.${type}.${code}`);
    this.send(0, src, ICMP_HEADER_LEN + (end - start));
  }

  /** Rejects every ping in flight. */
  close(): void {
    for (const [seq, p] of [...this.pings]) this.settle(seq, p).reject(new StackError('closed', 'stack closed'));
  }

  private reply(ip: Ipv4View, v: IcmpView): void {
    // Like Linux (icmp_echo_ignore_broadcasts), broadcast pings get no answer (smurf amplification).
    if (this.ip.routing.isBroadcast(ip.destination)) return this.counters.add('rx.ignored.broadcast-echo');
    const length = v.end - v.start;
    const tx = this.ip.tx;
    const at = PAYLOAD_OFFSET;
    tx.set(ip.bytes.subarray(v.start, v.end), at);
    // Only the type changes (8 to 0): update the checksum for that word instead of
    // summing the payload again (RFC 1624: HC' = ~(~HC + ~m + m')). Code 0 as RFC 792 says.
    const before = (tx[at]! << 8) | tx[at + 1]!;
    tx[at] = ICMP_ECHO_REPLY;
    tx[at + 1] = 0;
    let sum = (~readU16(tx, at + 2) & 0xffff) + (~before & 0xffff);
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    writeU16(tx, at + 2, ~sum & 0xffff);
    // A zero result is ambiguous in ones' complement (an all-zero message needs 0xffff): sum it all then.
    if ((~sum & 0xffff) === 0) writeIcmpHeader(tx, at, at + length, ICMP_ECHO_REPLY, 0, v.identifier, v.sequence);
    this.counters.add('rx.echo-request');
    // From the address it was sent to: ours, or 127.0.0.1 for a ping to loopback.
    this.send(ip.destination, ip.source, length);
  }

  private echoReply(ip: Ipv4View, v: IcmpView): void {
    const seq = v.sequence;
    const p = v.identifier === this.identifier ? this.pings.get(seq) : undefined;
    if (!p) return this.counters.dropRx('unsolicited-reply');
    const size = v.end - v.bodyStart;
    if (size !== p.payloadSize) return this.counters.dropRx('reply-mismatch');
    for (let i = 0; i < size; i++) {
      if (v.bytes[v.bodyStart + i] !== ((seq + i) & 0xff)) return this.counters.dropRx('reply-mismatch');
    }
    this.counters.add('rx.echo-reply');
    this.settle(seq, p).resolve({ from: ip.source, sequence: seq, payloadSize: size, rttMs: this.clock.nowMs() - p.sentMs });
  }

  /**
   * Our packet at `b[packetStart..end)` could not be delivered: ARP for its
   * next hop failed. Told to its sender as a host unreachable would be
   * (RFC 1122 §2.3.2.2 leaves the report to the host; Linux says EHOSTUNREACH).
   */
  undeliverable(b: Uint8Array, packetStart: number, end: number): void {
    this.counters.add('local.unreachable');
    this.unreachable(b, packetStart, end, UNREACHABLE_HOST);
  }

  /** Dispatches a destination unreachable about the original datagram at `b[inner..end)`. */
  private unreachable(b: Uint8Array, inner: number, end: number, code: number): void {
    // The original header and at least 8 bytes of its data must be there (RFC 792).
    if (end - inner < IPV4_HEADER_LEN || b[inner]! >> 4 !== 4) return this.counters.dropRx('bad-original');
    const hl = (b[inner]! & 15) * 4;
    if (hl < IPV4_HEADER_LEN || end - inner < hl + 8) return this.counters.dropRx('bad-original');
    const protocol = b[inner + 9]!;
    const src = readU32(b, inner + 12);
    const dst = readU32(b, inner + 16);
    if (src !== this.ip.routing.address) return this.counters.dropRx('not-ours');
    this.counters.add('rx.unreachable');
    const data = inner + hl;
    if (protocol === PROTOCOL_ICMP && b[data] === ICMP_ECHO_REQUEST && readU16(b, data + 4) === this.identifier) {
      const seq = readU16(b, data + 6);
      const p = this.pings.get(seq);
      if (p) this.settle(seq, p).reject(new StackError('unreachable', `${formatIpv4(dst)} is unreachable (ICMP code ${code})`));
      return;
    }
    this.env.unreachable(protocol, src, dst, readU16(b, data), readU16(b, data + 2), code);
  }

  private settle(seq: number, p: PendingPing): PendingPing {
    p.timer.cancel();
    this.pings.delete(seq);
    return p;
  }

  private send(src: number, dst: number, length: number): SendResult {
    const result = this.ip.send(src, dst, PROTOCOL_ICMP, length);
    if (result === 'sent' || result === 'queued') this.counters.tx++;
    else this.counters.dropTx(result);
    return result;
  }
}

/** Echo, timestamp and information messages may be answered with errors; errors may not (RFC 1122 §3.2.2). */
function isInformational(type: number): boolean {
  return type === 0 || type === 8 || type === 13 || type === 14 || type === 15 || type === 16;
}
