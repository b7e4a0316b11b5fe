/**
 * Kiln's TCP/IP stack over one Net device: the `Stack` signature built from
 * the interface layer (Ethernet, ARP, IPv4), ICMP, UDP, the DHCP client and
 * TCP. Configured statically from `--ipv4=A/N` and `--ipv4-gateway=G`, else
 * by DHCP. Addresses are 32-bit numbers inside; text only at this edge.
 */
import { ArgError, PLATFORM_ARGS, parseArgs } from '../args.ts';
import type { Clock } from '../devices/clock.ts';
import type { Flow } from '../devices/flow.ts';
import { formatMac, type Net } from '../devices/net.ts';
import { randomU32, type Random } from '../devices/random.ts';
import {
  StackError,
  type ConnectOptions,
  type Ipv4Config,
  type ListenOptions,
  type PingOptions,
  type PingReply,
  type Stack,
  type StackCounters,
  type TcpListener,
  type UdpSocket,
} from '../devices/stack.ts';
import { formatIpv4, parseIpv4 } from '../ipv4-text.ts';
import { DhcpClient, type DhcpOptions } from './dhcp/client.ts';
import { EPHEMERAL_COUNT, EPHEMERAL_FIRST } from './ephemeral-ports.ts';
import { IcmpLayer, type IcmpOptions } from './icmp/layer.ts';
import { NetworkInterface, PAYLOAD_OFFSET, type InterfaceOptions } from './iface/interface.ts';
import { NO_ROUTE, prefixToMask } from './iface/routing.ts';
import { TcpLayer, type TcpOptions } from './tcp/layer.ts';
import { UdpLayer, type UdpOptions } from './udp/layer.ts';
import { ETHERNET_HEADER_LEN } from './wire/ethernet.ts';
import {
  ICMP_DEST_UNREACHABLE,
  ICMP_TIME_EXCEEDED,
  TIME_EXCEEDED_REASSEMBLY,
  UNREACHABLE_PORT,
  UNREACHABLE_PROTOCOL,
} from './wire/icmpv4.ts';
import { IPV4_HEADER_LEN, PROTOCOL_ICMP, PROTOCOL_TCP, PROTOCOL_UDP } from './wire/ipv4.ts';


/** How long `close` waits for packets still resolving their next hop. */
const CLOSE_DRAIN_MS = 1000;

export interface StackConfig {
  /** Boot arguments: `--ipv4=A/N` and `--ipv4-gateway=G` are taken, the rest ignored. Without `--ipv4`, DHCP. */
  args?: readonly string[];
  /** DHCP client settings, and how long to wait for the first lease (default 60 s). */
  dhcp?: DhcpOptions & { timeoutMs?: number };
  interface?: InterfaceOptions;
  icmp?: IcmpOptions;
  udp?: UdpOptions;
  tcp?: TcpOptions;
  /**
   * Told, one line at a time, how the stack gets its address: the static
   * address, or that it waits for DHCP and then the lease. Platforms print
   * these, so an image waiting for a lease is never silent.
   */
  progress?: (line: string) => void;
}

export interface CreateStackOptions {
  net: Net;
  clock: Clock;
  random: Random;
  config?: StackConfig;
}

/** TCP's default buffer each way, and the smallest an image gets. */
const FULL_TCP_BUFFER = 128 * 1024;
const SMALLEST_TCP_BUFFER = 8 * 1024;

/** Heap from which an image gets TCP's defaults. */
const FULL_TCP_HEAP = 16 * 1024 * 1024;

/** Share of an image's heap that TCP's memory budget (and the services counting in it) may hold. */
const TCP_MEMORY_SHARE = 1 / 2;

/**
 * TCP options for an image whose heap is `heapBytes`. From a 16 MiB heap
 * up, TCP's default buffer sizes; below, the largest power of two within
 * heap/256 (at least 8 KiB). Rings hold only what is buffered, so these are
 * the most a connection may buffer, not what each costs. The memory budget
 * is half the heap: the rest is the program's own (bytecode, the
 * application's data, garbage not yet collected).
 */
export function tcpOptionsForHeap(heapBytes: number): Required<Pick<TcpOptions, 'sendBufferSize' | 'receiveBufferSize' | 'memoryBytes'>> {
  const memoryBytes = Math.max(1, Math.floor(heapBytes * TCP_MEMORY_SHARE));
  if (heapBytes >= FULL_TCP_HEAP) return { sendBufferSize: FULL_TCP_BUFFER, receiveBufferSize: FULL_TCP_BUFFER, memoryBytes };
  let size = FULL_TCP_BUFFER;
  while (size > SMALLEST_TCP_BUFFER && size > heapBytes / 256) size /= 2;
  return { sendBufferSize: size, receiveBufferSize: size, memoryBytes };
}

/** Static configuration from boot arguments, or null for DHCP. Throws `ArgError` naming a bad argument. */
export function staticIpv4FromArgs(args: readonly string[]): { address: number; prefix: number; gateway: number } | null {
  const ours = args.filter((a) => /^--ipv4(-gateway)?(=|$)/.test(a));
  const parsed = parseArgs(ours, { ipv4: PLATFORM_ARGS.ipv4!, 'ipv4-gateway': PLATFORM_ARGS['ipv4-gateway']! });
  const cidr = parsed.ipv4 as string | undefined;
  const gatewayText = parsed['ipv4-gateway'] as string | undefined;
  if (cidr === undefined) {
    if (gatewayText !== undefined) throw new ArgError('missing', `--ipv4-gateway=${gatewayText}: needs --ipv4=A/N as well`);
    return null;
  }
  const [addressText, prefixText] = cidr.split('/') as [string, string];
  const address = parseIpv4(addressText)!;
  const prefix = Number(prefixText);
  if (address === 0) throw new ArgError('invalid', `--ipv4=${cidr}: 0.0.0.0 cannot be an interface address`);
  const gateway = gatewayText === undefined ? 0 : parseIpv4(gatewayText)!;
  if (gateway !== 0 && ((gateway ^ address) & prefixToMask(prefix)) !== 0) {
    throw new ArgError('invalid', `--ipv4-gateway=${gatewayText}: not inside ${cidr}`);
  }
  return { address, prefix, gateway };
}

/** Builds a stack over `net` and waits until it has an address (at once when static, after DHCP otherwise). */
export async function createStack(options: CreateStackOptions): Promise<NetStack> {
  const config = options.config ?? {};
  const fixed = staticIpv4FromArgs(config.args ?? []);
  const stack = new NetStack(options.net, options.clock, options.random, config, fixed === null);
  const progress = config.progress ?? ((): void => {});
  if (fixed) {
    stack.iface.configure(fixed.address, fixed.prefix, fixed.gateway);
    progress(`address ${describeIpv4(stack.ipv4)} (static, from --ipv4)`);
    return stack;
  }
  const timeoutMs = config.dhcp?.timeoutMs ?? 60_000;
  progress(`no --ipv4 given: asking DHCP for an address (MAC ${formatMac(options.net.mac)}, waiting up to ${timeoutMs / 1000} s)`);
  try {
    await stack.waitForLease(timeoutMs);
  } catch (err) {
    await stack.close();
    throw err;
  }
  progress(`address ${describeIpv4(stack.ipv4)} (DHCP lease)`);
  return stack;
}

/** `10.0.0.2/24, gateway 10.0.0.1, DNS 10.0.0.1`, for progress lines. */
function describeIpv4(config: Ipv4Config): string {
  const gateway = config.gateway ? `, gateway ${config.gateway}` : ', no gateway';
  const dns = config.dnsServers.length > 0 ? `, DNS ${config.dnsServers.join(' ')}` : '';
  return `${config.address}/${config.prefix}${gateway}${dns}`;
}

/** The Stack, with its layers open to inspection (tests check counters and memory bounds through them). */
export class NetStack implements Stack {
  readonly iface: NetworkInterface;
  readonly icmp: IcmpLayer;
  readonly udp: UdpLayer;
  readonly tcp: TcpLayer;
  readonly dhcp: DhcpClient | null;
  private closed = false;

  constructor(
    net: Net,
    private readonly clock: Clock,
    private readonly random: Random,
    config: StackConfig,
    useDhcp: boolean,
  ) {
    // TCP first: its memory budget also bounds the interface's ARP queues (it sends only once the interface exists).
    this.tcp = new TcpLayer(
      {
        clock,
        random,
        maxSegmentFor: () => this.iface.mtu - IPV4_HEADER_LEN,
        largeSegmentFor: () => this.iface.largePacket - IPV4_HEADER_LEN,
      },
      config.tcp,
    );
    // Up: the interface hands each packet for us to receive(), which picks its protocol's layer.
    const iface = new NetworkInterface(
      net,
      clock,
      randomU32(random),
      {
        // A valid IPv4 packet for us, to its protocol's layer; false for a protocol no layer takes.
        receive: (ip) => {
          switch (ip.protocol) {
            case PROTOCOL_TCP:
              this.tcp.input(ip.source, ip.destination, ip.bytes, ip.payloadStart, ip.payloadEnd);
              return true;
            case PROTOCOL_UDP:
              this.udp.input(ip);
              return true;
            case PROTOCOL_ICMP:
              this.icmp.input(ip);
              return true;
            default:
              return false;
          }
        },
        protocolUnreachable: (ip) => this.icmp.sendError(ICMP_DEST_UNREACHABLE, UNREACHABLE_PROTOCOL, ip),
        unresolved: (frame) => this.icmp.undeliverable(frame, ETHERNET_HEADER_LEN, frame.length),
        reassemblyTimedOut: (h) => this.icmp.sendErrorAbout(ICMP_TIME_EXCEEDED, TIME_EXCEEDED_REASSEMBLY, h, 0, h.length, h[9]!),
        foreignArp: (sender, target) => this.dhcp?.foreignArp(sender, target),
      },
      config.interface,
      this.tcp.memory,
    );
    this.iface = iface;
    // TCP builds its segments in the interface's transmit buffer, where their IPv4 payload goes.
    this.tcp.buildIn(iface.tx.subarray(PAYLOAD_OFFSET), (src, dst, length, segmentSize) => {
      const result = iface.send(src, dst, PROTOCOL_TCP, length, segmentSize);
      return result === 'sent' || result === 'queued';
    });
    // Down: every layer sends through the interface's Ipv4Output.
    this.icmp = new IcmpLayer(
      {
        ip: iface,
        clock,
        unreachable: (protocol, src, dst, srcPort, dstPort, code) => {
          if (protocol === PROTOCOL_TCP) this.tcp.icmpUnreachable(src, dst, srcPort, dstPort, code);
        },
      },
      randomU32(random),
      config.icmp,
    );
    this.udp = new UdpLayer({ ip: iface, random, portUnreachable: (ip) => this.icmp.sendError(ICMP_DEST_UNREACHABLE, UNREACHABLE_PORT, ip) }, config.udp);
    this.dhcp = useDhcp ? new DhcpClient({ link: iface, udp: this.udp, clock, random }, config.dhcp) : null;
    iface.start();
  }

  /** Starts DHCP and resolves with the first lease; rejects with StackError('timed-out'). */
  waitForLease(timeoutMs: number): Promise<void> {
    const dhcp = this.dhcp!;
    return new Promise((resolve, reject) => {
      const timer = this.clock.at(this.clock.nowMs() + timeoutMs, () =>
        reject(new StackError('timed-out', `no DHCP lease in ${timeoutMs} ms`)),
      );
      dhcp.onLease = (lease) => {
        if (!lease) return;
        timer.cancel();
        dhcp.onLease = () => {};
        resolve();
      };
      dhcp.start();
    });
  }

  get ipv4(): Ipv4Config {
    const r = this.iface.routing;
    return {
      address: formatIpv4(r.address),
      prefix: r.prefix,
      gateway: r.gateway === 0 ? null : formatIpv4(r.gateway),
      source: this.dhcp ? 'dhcp' : 'static',
      dnsServers: this.dhcp?.lease?.dnsServers.map(formatIpv4) ?? [],
    };
  }

  async listenTcp(port: number, options: ListenOptions = {}): Promise<TcpListener> {
    this.checkOpen();
    const address = this.localAddress(options.address ?? '0.0.0.0');
    checkPort(port, 0);
    if (port !== 0) return this.tcp.listen(address, port, options);
    // Port 0: the first free port of the ephemeral range, from a random start.
    const start = randomU32(this.random) % EPHEMERAL_COUNT;
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      try {
        return this.tcp.listen(address, EPHEMERAL_FIRST + ((start + i) % EPHEMERAL_COUNT), options);
      } catch (err) {
        if (!(err instanceof StackError && err.code === 'address-in-use')) throw err;
      }
    }
    throw new StackError('address-in-use', 'no free ephemeral TCP port');
  }

  async connectTcp(address: string, port: number, options: ConnectOptions = {}): Promise<Flow> {
    this.checkOpen();
    const remote = parseIpv4(address);
    if (remote === null || remote === 0) throw new StackError('invalid-address', `'${address}' is not a dotted IPv4 address`);
    checkPort(port, 1);
    const r = this.iface.routing;
    if (!r.isLocal(remote) && r.nextHop(remote) === NO_ROUTE) throw new StackError('unreachable', `no route to ${address}`);
    return this.tcp.connect(this.iface.routing.address, remote, port, options);
  }

  async bindUdp(port: number, address?: string): Promise<UdpSocket> {
    this.checkOpen();
    return this.udp.bind(port, address);
  }

  async ping(address: string, options: PingOptions = {}): Promise<PingReply> {
    this.checkOpen();
    const dst = parseIpv4(address);
    if (dst === null) throw new StackError('invalid-address', `'${address}' is not a dotted IPv4 address`);
    const reply = await this.icmp.ping(dst, options.payloadSize ?? 56, options.timeoutMs ?? 1000);
    return { ...reply, from: formatIpv4(reply.from) };
  }

  counters(): StackCounters {
    const i = this.iface;
    const ethernet = i.ethernetCounters.snapshot();
    if (i.outOfMemoryDrops > 0) ethernet['rx.dropped.out-of-memory'] = i.outOfMemoryDrops;
    const out: StackCounters = {
      ethernet,
      arp: { ...i.arpCounters.snapshot(), 'cache.entries': i.arp.size },
      ipv4: i.ipv4Counters.snapshot(),
      icmp: this.icmp.counters.snapshot(),
      udp: this.udp.counters.snapshot(),
      tcp: this.tcp.counters(),
    };
    if (this.dhcp) out.dhcp = this.dhcp.counters.snapshot();
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dhcp?.stop(true);
    this.tcp.close();
    this.udp.close();
    this.icmp.close();
    await this.iface.drain(CLOSE_DRAIN_MS);
    this.iface.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new StackError('closed', 'the stack is closed');
  }

  /** `0.0.0.0`, our own address or a loopback address, as a number. */
  private localAddress(text: string): number {
    const a = parseIpv4(text);
    if (a === null || (a !== 0 && !this.iface.routing.isLocal(a))) {
      throw new StackError('invalid-address', `cannot bind to '${text}': not 0.0.0.0 nor an address of this host`);
    }
    return a;
  }
}

function checkPort(port: number, min: number): void {
  if (!Number.isInteger(port) || port < min || port > 65535) {
    throw new StackError('invalid-address', `port must be an integer from ${min} to 65535, got ${port}`);
  }
}
