/**
 * DHCP client (RFC 2131): INIT → SELECTING (DISCOVER, first OFFER) →
 * REQUESTING (REQUEST, ACK or NAK) → BOUND; at T1 RENEWING (unicast REQUEST
 * to the server), at T2 REBINDING (broadcast REQUEST), at lease expiry back
 * to INIT without an address. Before using an offered address the client
 * probes it with ARP (RFC 2131 §4.4.1, RFC 5227) and declines it when
 * another host answers. Retransmissions back off exponentially from
 * 4 s to 64 s with ±1 s of randomisation (§4.1); renewals retry after half
 * the remaining time, at least 60 s (§4.4.5). The lease carries the DNS
 * servers of option 6 (RFC 2132 §3.8); a malformed list is counted
 * (`rx.ignored.dns-servers`) and read as none, never costing the lease.
 */
import type { Clock, Timer } from '../../devices/clock.ts';
import { randomU32, type Random } from '../../devices/random.ts';
import {
  BOOTREPLY,
  BOOTREQUEST,
  DHCPACK,
  DHCPDECLINE,
  DHCPDISCOVER,
  DHCPNAK,
  DHCPOFFER,
  DHCPRELEASE,
  DHCPREQUEST,
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  DhcpView,
  DhcpWriter,
  OPTION_CLIENT_ID,
  OPTION_DNS_SERVERS,
  OPTION_LEASE_TIME,
  OPTION_MAX_MESSAGE_SIZE,
  OPTION_MESSAGE_TYPE,
  OPTION_PARAMETER_LIST,
  OPTION_REBINDING_TIME,
  OPTION_RENEWAL_TIME,
  OPTION_REQUESTED_IP,
  OPTION_ROUTER,
  OPTION_SERVER_ID,
  OPTION_SUBNET_MASK,
} from '../wire/dhcp.ts';
import { macEquals } from '../wire/ethernet.ts';
import { LayerCounters } from '../iface/counters.ts';
import { LIMITED_BROADCAST, maskToPrefix } from '../iface/routing.ts';
import type { UdpLayer } from '../udp/layer.ts';

export type DhcpState = 'init' | 'selecting' | 'requesting' | 'checking' | 'bound' | 'renewing' | 'rebinding' | 'stopped';

export interface DhcpLease {
  address: number;
  prefix: number;
  /** 0 when the server gave no router. */
  gateway: number;
  server: number;
  leaseSeconds: number;
  /** DNS servers in the server's order of preference (option 6); empty when it gave none. */
  dnsServers: readonly number[];
}

/** The interface the client configures (NetworkInterface). */
export interface DhcpLink {
  readonly mac: Uint8Array;
  readonly mtu: number;
  configure(address: number, prefix: number, gateway: number): void;
  unconfigure(): void;
  /** Sends an ARP probe for `address` (RFC 5227). */
  probe(address: number): void;
}

/** What the DHCP client needs from the stack. */
export interface DhcpEnv {
  link: DhcpLink;
  /** UDP port 68 and sending from it. */
  udp: Pick<UdpLayer, 'take' | 'release' | 'sendTo'>;
  clock: Clock;
  random: Random;
}

export interface DhcpOptions {
  /** Requests sent in SELECTING or REQUESTING before starting over (default 5). */
  maxAttempts?: number;
  /** Gap between the two ARP probes of an offered address, and the wait after them; 0 skips probing (default 1 s). */
  probeMs?: number;
}

const FIRST_RETRY_MS = 4_000;
const MAX_RETRY_MS = 64_000;
const MIN_RENEW_RETRY_MS = 60_000;
const PROBES = 2;
/** Wait after declining an address before starting over (RFC 2131 §3.1.5). */
const DECLINE_WAIT_MS = 10_000;
const PARAMETERS = new Uint8Array([
  OPTION_SUBNET_MASK,
  OPTION_ROUTER,
  OPTION_DNS_SERVERS,
  OPTION_LEASE_TIME,
  OPTION_RENEWAL_TIME,
  OPTION_REBINDING_TIME,
]);

export class DhcpClient {
  readonly counters = new LayerCounters();
  state: DhcpState = 'init';
  lease: DhcpLease | null = null;
  /** Called on every change of lease: a new or renewed lease, or null when it was lost. */
  onLease: (lease: DhcpLease | null) => void = () => {};

  private readonly view = new DhcpView();
  private readonly buffer = new Uint8Array(576);
  private readonly writer = new DhcpWriter(this.buffer);
  private readonly clientId: Uint8Array;
  private readonly maxAttempts: number;
  private readonly probeMs: number;
  private probesSent = 0;
  private xid = 0;
  private attempts = 0;
  private offered = 0;
  private offerServer = 0;
  private requestSentMs = 0;
  private t1Ms = 0;
  private t2Ms = 0;
  private expiryMs = 0;
  private timer: Timer | null = null;
  /** The offered lease whose address ARP probes are checking, while they do. */
  private probing: DhcpLease | null = null;
  private readonly link: DhcpLink;
  private readonly udp: DhcpEnv['udp'];
  private readonly clock: Clock;
  private readonly random: Random;

  constructor(env: DhcpEnv, options: DhcpOptions = {}) {
    this.link = env.link;
    this.udp = env.udp;
    this.clock = env.clock;
    this.random = env.random;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.probeMs = options.probeMs ?? 1000;
    this.clientId = new Uint8Array(7);
    this.clientId[0] = 1;
    this.clientId.set(env.link.mac, 1);
  }

  start(): void {
    this.udp.take(DHCP_CLIENT_PORT, {
      address: 0,
      deliver: (_src, srcPort, _dst, bytes, start, end) => this.input(srcPort, bytes, start, end),
    });
    this.discover();
  }

  /** Stops the client; releases the lease to the server when `release` (RFC 2131 §4.4.6). */
  stop(release: boolean): void {
    if (release && this.lease && (this.state === 'bound' || this.state === 'renewing' || this.state === 'rebinding')) {
      this.send(DHCPRELEASE, this.lease.address, this.lease.server, false, 0, this.lease.server);
    }
    this.setTimer(null, 0);
    this.state = 'stopped';
    this.probing = null;
    this.udp.release(DHCP_CLIENT_PORT);
  }

  /** A valid ARP packet from another host: while probing an offered address, an answer for it is a conflict. */
  foreignArp(sender: number, target: number): void {
    const lease = this.probing;
    if (lease && (sender === lease.address || (sender === 0 && target === lease.address))) this.decline(lease);
  }

  private discover(): void {
    this.state = 'selecting';
    this.xid = randomU32(this.random);
    this.attempts = 0;
    this.retransmit();
  }

  /** Sends (or resends) the message of the current state, with RFC 2131 §4.1 backoff. */
  private retransmit(): void {
    if (this.attempts >= this.maxAttempts) {
      this.counters.add('restart.no-answer');
      return this.discover();
    }
    const delay = Math.min(FIRST_RETRY_MS << this.attempts, MAX_RETRY_MS) + (randomU32(this.random) % 2001) - 1000;
    this.attempts++;
    this.requestSentMs = this.clock.nowMs();
    if (this.state === 'selecting') {
      this.send(DHCPDISCOVER, 0, 0, true, 0, LIMITED_BROADCAST);
    } else {
      this.send(DHCPREQUEST, 0, this.offerServer, true, this.offered, LIMITED_BROADCAST);
    }
    this.setTimer(() => this.retransmit(), this.requestSentMs + delay);
  }

  /** RENEWING and REBINDING: REQUEST with ciaddr, to the server or to everyone; retry at half the time left. */
  private renew(): void {
    const lease = this.lease!;
    const now = this.clock.nowMs();
    if (now >= this.expiryMs) return this.expire();
    if (this.state === 'renewing' && now >= this.t2Ms) this.state = 'rebinding';
    const rebinding = this.state === 'rebinding';
    const until = rebinding ? this.expiryMs : this.t2Ms;
    this.requestSentMs = now;
    this.xid = randomU32(this.random);
    this.send(DHCPREQUEST, lease.address, 0, false, 0, rebinding ? LIMITED_BROADCAST : lease.server);
    this.setTimer(() => this.renew(), Math.min(until, now + Math.max(MIN_RENEW_RETRY_MS, (until - now) / 2)));
  }

  private expire(): void {
    this.counters.add('lease.expired');
    this.drop();
    this.discover();
  }

  private drop(): void {
    this.lease = null;
    this.link.unconfigure();
    this.onLease(null);
  }

  private input(srcPort: number, bytes: Uint8Array, start: number, end: number): void {
    const c = this.counters;
    const v = this.view;
    c.rx++;
    if (srcPort !== DHCP_SERVER_PORT) return c.dropRx('port');
    const invalid = v.wrap(bytes, start, end);
    if (invalid !== null) return c.dropRx(invalid);
    if (v.op !== BOOTREPLY || v.transactionId !== this.xid || !macEquals(bytes, v.clientMacOffset, this.link.mac)) {
      return c.dropRx('not-ours');
    }
    const type = v.optionU8(OPTION_MESSAGE_TYPE);
    const server = v.optionU32(OPTION_SERVER_ID);
    if (type === DHCPOFFER && this.state === 'selecting') {
      if (v.yourAddress === 0 || server <= 0) return c.dropRx('bad-offer');
      c.add('rx.offer');
      this.offered = v.yourAddress;
      this.offerServer = server;
      this.state = 'requesting';
      this.attempts = 0;
      return this.retransmit();
    }
    const waiting = this.state === 'requesting' || this.state === 'renewing' || this.state === 'rebinding';
    if (type === DHCPNAK && waiting) {
      c.add('rx.nak');
      if (this.lease) this.drop();
      return this.discover();
    }
    if (type === DHCPACK && waiting) return this.bind(v, server);
    c.dropRx('unexpected');
  }

  private bind(v: DhcpView, server: number): void {
    const c = this.counters;
    const leaseSeconds = v.optionU32(OPTION_LEASE_TIME);
    if (v.yourAddress === 0 || leaseSeconds <= 0) return c.dropRx('bad-ack');
    const mask = v.optionU32(OPTION_SUBNET_MASK);
    const prefix = mask === -1 ? naturalPrefix(v.yourAddress) : maskToPrefix(mask);
    if (prefix < 0) return c.dropRx('bad-ack');
    const gateway = Math.max(0, v.optionU32(OPTION_ROUTER));
    const t1 = v.optionU32(OPTION_RENEWAL_TIME);
    const t2 = v.optionU32(OPTION_REBINDING_TIME);
    c.add('rx.ack');
    const previous = this.lease;
    const lease: DhcpLease = {
      address: v.yourAddress,
      prefix,
      gateway,
      server: server > 0 ? server : (previous?.server ?? this.offerServer),
      leaseSeconds,
      dnsServers: this.dnsServers(v),
    };
    // Lease times count from when the request went out (RFC 2131 §4.4.1); T1 0.5, T2 0.875 by default (§4.4.5).
    const base = this.requestSentMs;
    this.expiryMs = base + leaseSeconds * 1000;
    this.t1Ms = base + (t1 > 0 && t1 < leaseSeconds ? t1 : leaseSeconds * 0.5) * 1000;
    this.t2Ms = Math.max(this.t1Ms, base + (t2 > 0 && t2 < leaseSeconds ? t2 : leaseSeconds * 0.875) * 1000);
    if (this.state === 'requesting' && this.probeMs > 0) return this.check(lease);
    this.commit(lease, previous);
  }

  /** Option 6's servers; a list of the wrong length, or holding 0.0.0.0 or 255.255.255.255, is ignored whole. */
  private dnsServers(v: DhcpView): readonly number[] {
    const servers = v.optionAddresses(OPTION_DNS_SERVERS);
    if (servers === null || servers.some((s) => s === 0 || s === LIMITED_BROADCAST)) {
      this.counters.add('rx.ignored.dns-servers');
      return [];
    }
    return servers;
  }

  /** CHECKING: ARP probes for the offered address; any answer from another host is a conflict. */
  private check(lease: DhcpLease): void {
    this.state = 'checking';
    this.probesSent = 0;
    this.probing = lease;
    const next = (): void => {
      if (this.probesSent === PROBES) return this.commit(lease, null);
      this.probesSent++;
      this.link.probe(lease.address);
      this.setTimer(next, this.clock.nowMs() + this.probeMs);
    };
    next();
  }

  private decline(lease: DhcpLease): void {
    this.probing = null;
    this.counters.add('declined');
    this.send(DHCPDECLINE, 0, lease.server, true, lease.address, LIMITED_BROADCAST);
    this.state = 'init';
    this.setTimer(() => this.discover(), this.clock.nowMs() + DECLINE_WAIT_MS);
  }

  private commit(lease: DhcpLease, previous: DhcpLease | null): void {
    this.probing = null;
    this.lease = lease;
    this.state = 'bound';
    if (!previous || previous.address !== lease.address || previous.prefix !== lease.prefix || previous.gateway !== lease.gateway) {
      this.link.configure(lease.address, lease.prefix, lease.gateway);
    }
    this.setTimer(() => {
      this.state = 'renewing';
      this.renew();
    }, this.t1Ms);
    this.onLease(lease);
  }

  private send(type: number, ciaddr: number, server: number, broadcast: boolean, requested: number, dst: number): void {
    const w = this.writer;
    w.begin(BOOTREQUEST, this.xid, this.link.mac, ciaddr, broadcast);
    w.optionU8(OPTION_MESSAGE_TYPE, type);
    w.option(OPTION_CLIENT_ID, this.clientId);
    if (requested !== 0) w.optionU32(OPTION_REQUESTED_IP, requested);
    if (server !== 0) w.optionU32(OPTION_SERVER_ID, server);
    if (type === DHCPDISCOVER || type === DHCPREQUEST) {
      w.optionU16(OPTION_MAX_MESSAGE_SIZE, Math.min(this.link.mtu, 65535));
      w.option(OPTION_PARAMETER_LIST, PARAMETERS);
    }
    const length = w.finish();
    this.counters.add(`tx.${DHCP_NAMES[type]}`);
    this.udp.sendTo(ciaddr, DHCP_CLIENT_PORT, dst, DHCP_SERVER_PORT, this.buffer.subarray(0, length));
  }

  private setTimer(fn: (() => void) | null, atMs: number): void {
    this.timer?.cancel();
    this.timer = fn ? this.clock.at(atMs, fn) : null;
  }
}

const DHCP_NAMES: Record<number, string> = { 1: 'discover', 3: 'request', 4: 'decline', 7: 'release' };

/** The classful prefix, for a server that sends no subnet mask (RFC 2131 leaves it to the client). */
function naturalPrefix(address: number): number {
  const top = address >>> 24;
  return top < 128 ? 8 : top < 192 ? 16 : 24;
}
