/**
 * A small but real DNS server for tests (not used by apps), answering from a
 * table the test controls and recording every query it sees: over Node's
 * sockets on a loopback address (TestDnsServer), or over any Kiln Stack
 * (serveDnsOn). Written independently of the resolver's own message code, so
 * the two check each other.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { Stack } from '../../lib/devices/stack.ts';

export interface TestRecord {
  name: string;
  type: 'A' | 'CNAME';
  ttl: number;
  data: string;
}

export interface TestReply {
  rcode?: number;
  answers?: TestRecord[];
  /** An SOA in the authority section with this TTL and MINIMUM (for negative caching). */
  soa?: { ttl: number; minimum: number };
  /** Over UDP: set TC and send no records (the answer "did not fit"). */
  truncateUdp?: boolean;
  /** Over UDP: first send a copy with a wrong id (a forgery the resolver must ignore). */
  forgeFirst?: boolean;
}

/** What to do with a query: answer, or stay silent. */
export type Behaviour = (name: string, transport: 'udp' | 'tcp', count: number) => TestReply | 'silent';

export interface SeenQuery {
  name: string;
  transport: 'udp' | 'tcp';
  id: number;
}

function encodeName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.')) out.push(label.length, ...Buffer.from(label, 'latin1'));
  out.push(0);
  return out;
}

const u16 = (n: number): number[] => [n >> 8, n & 255];
const u32 = (n: number): number[] => [...u16(Math.floor(n / 65536)), ...u16(n % 65536)];

function parseQuery(msg: Buffer): { id: number; name: string; questionEnd: number } | null {
  if (msg.length < 17) return null;
  const labels: string[] = [];
  let at = 12;
  while (at < msg.length && msg[at] !== 0) {
    const len = msg[at]!;
    labels.push(msg.subarray(at + 1, at + 1 + len).toString('latin1'));
    at += 1 + len;
  }
  return { id: msg.readUInt16BE(0), name: labels.join('.').toLowerCase(), questionEnd: at + 5 };
}

function buildReply(query: Buffer, q: { id: number; name: string; questionEnd: number }, reply: TestReply, udp: boolean, id = q.id): Buffer {
  const truncated = udp && reply.truncateUdp === true;
  const answers = truncated ? [] : reply.answers ?? [];
  const soa = truncated ? undefined : reply.soa;
  const flags = 0x8180 | (truncated ? 0x0200 : 0) | (reply.rcode ?? 0);
  const bytes = [...u16(id), ...u16(flags), ...u16(1), ...u16(answers.length), ...u16(soa ? 1 : 0), ...u16(0)];
  bytes.push(...query.subarray(12, q.questionEnd));
  for (const r of answers) {
    // Records for the question's own name point back at it (compression).
    bytes.push(...(r.name === q.name ? [0xc0, 12] : encodeName(r.name)));
    const data = r.type === 'A' ? r.data.split('.').map(Number) : encodeName(r.data);
    bytes.push(...u16(r.type === 'A' ? 1 : 5), ...u16(1), ...u32(r.ttl), ...u16(data.length), ...data);
  }
  if (soa) {
    const rdata = [...encodeName('ns.test'), ...encodeName('admin.test'), ...u32(1), ...u32(3600), ...u32(600), ...u32(86400), ...u32(soa.minimum)];
    bytes.push(...encodeName('test'), ...u16(6), ...u16(1), ...u32(soa.ttl), ...u16(rdata.length), ...rdata);
  }
  return Buffer.from(bytes);
}

/**
 * The server's logic, apart from any socket: a query in, the messages to send
 * back out. Used by TestDnsServer over Node's sockets, and by tests that
 * serve DNS from Kiln's own stack.
 */
export class DnsAnswerer {
  readonly seen: SeenQuery[] = [];
  private counts = new Map<string, number>();

  constructor(public behaviour: Behaviour) {}

  /** What to send back: over UDP a forged copy may come first; nothing when silent or not a query. */
  answer(message: Uint8Array, transport: 'udp' | 'tcp'): Uint8Array[] {
    const msg = Buffer.from(message.buffer, message.byteOffset, message.length);
    const q = parseQuery(msg);
    if (!q) return [];
    this.seen.push({ name: q.name, transport, id: q.id });
    const count = (this.counts.get(q.name) ?? 0) + 1;
    this.counts.set(q.name, count);
    const reply = this.behaviour(q.name, transport, count);
    if (reply === 'silent') return [];
    const udp = transport === 'udp';
    const out = [buildReply(msg, q, reply, udp)];
    if (udp && reply.forgeFirst) out.unshift(buildReply(msg, q, { answers: [{ name: q.name, type: 'A', ttl: 60, data: '6.6.6.6' }] }, true, q.id ^ 0x5a5a));
    return out;
  }

  /** Forgets the queries seen (and the per-name counts behaviours get). */
  reset(): void {
    this.seen.length = 0;
    this.counts.clear();
  }
}

/** Adds DNS-over-TCP's two-byte length prefix (RFC 1035 section 4.2.2). */
export function withLengthPrefix(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(message.length + 2);
  out.set(u16(message.length));
  out.set(message, 2);
  return out;
}

/** Serves DNS on port 53 of `stack`, over UDP and TCP, until the stack closes. */
export async function serveDnsOn(stack: Stack, answerer: DnsAnswerer): Promise<void> {
  const udp = await stack.bindUdp(53);
  const tcp = await stack.listenTcp(53);
  // A send or a connection that fails under loss is the client's to retry; the server goes on.
  void (async () => {
    for await (const datagram of udp) {
      for (const reply of answerer.answer(datagram.data, 'udp')) await udp.send(reply, datagram.from).catch(() => undefined);
    }
  })();
  void (async () => {
    for await (const flow of tcp) {
      void (async () => {
        let buffered = new Uint8Array(0);
        for await (const chunk of flow) {
          const merged = new Uint8Array(buffered.length + chunk.length);
          merged.set(buffered);
          merged.set(chunk, buffered.length);
          buffered = merged;
          if (buffered.length >= 2 && buffered.length >= 2 + ((buffered[0]! << 8) | buffered[1]!)) break;
        }
        const [reply] = answerer.answer(buffered.subarray(2), 'tcp');
        if (reply) await flow.write(withLengthPrefix(reply));
        await flow.close();
      })().catch(() => flow.abort());
    }
  })();
}

export class TestDnsServer {
  readonly answerer: DnsAnswerer;

  private constructor(
    private readonly udp: Socket,
    private readonly tcp: Server,
    readonly address: string,
    readonly port: number,
    behaviour: Behaviour,
  ) {
    this.answerer = new DnsAnswerer(behaviour);
  }

  get seen(): SeenQuery[] {
    return this.answerer.seen;
  }

  get behaviour(): Behaviour {
    return this.answerer.behaviour;
  }

  set behaviour(b: Behaviour) {
    this.answerer.behaviour = b;
  }

  reset(): void {
    this.answerer.reset();
  }

  /**
   * Starts on `address` (a loopback address); port 0 picks one, and TCP takes
   * the same number. A picked UDP port's number may be taken on TCP (another
   * test's connection has it as its ephemeral port): then both start again on
   * another pick, a bounded number of times.
   */
  static async start(address: string, behaviour: Behaviour, port = 0): Promise<TestDnsServer> {
    for (let attempt = 1; ; attempt++) {
      const udp = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, address, () => resolve());
      });
      const bound = udp.address().port;
      const tcp = createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(bound, address, () => resolve());
        });
      } catch (err) {
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        if (port !== 0 || attempt === 20 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        continue;
      }
      return TestDnsServer.serving(udp, tcp, address, bound, behaviour);
    }
  }

  private static serving(udp: Socket, tcp: Server, address: string, bound: number, behaviour: Behaviour): TestDnsServer {
    const server = new TestDnsServer(udp, tcp, address, bound, behaviour);
    udp.on('message', (msg, from) => {
      for (const reply of server.answerer.answer(msg, 'udp')) udp.send(reply, from.port, from.address);
    });
    tcp.on('connection', (socket) => {
      let buffered = Buffer.alloc(0);
      socket.on('data', (data) => {
        buffered = Buffer.concat([buffered, data]);
        if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
        const [reply] = server.answerer.answer(buffered.subarray(2, 2 + buffered.readUInt16BE(0)), 'tcp');
        if (reply) socket.end(withLengthPrefix(reply));
        else socket.destroy();
      });
      socket.on('error', () => undefined);
    });
    return server;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }
}
