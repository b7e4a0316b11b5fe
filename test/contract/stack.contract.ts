/**
 * Contract of the Stack and Flow signatures (lib/devices/stack.ts, flow.ts),
 * run over a pair of stacks that can reach each other: two host-socket
 * stacks on loopback on unix, two TypeScript stacks on an in-memory switch,
 * a stack in an image and one outside it. Ports come from `listenTcp(0)` and
 * `bindUdp(0)`, so suites running side by side on one host do not collide.
 */
import { FlowError, type Flow } from '../../lib/devices/flow.ts';
import { StackError, type Stack, type TcpListener } from '../../lib/devices/stack.ts';
import { assert, assertBytesEqual, assertEqual, assertRejectsWith, ContractFailure, using, type ContractCase, type DevicePair } from './harness.ts';

export interface StackPair extends DevicePair<Stack> {
  /** The address at which `b` reaches `a`, and `a` reaches `b`. */
  addressOfA: string;
  addressOfB: string;
}

export interface StackUnderTest {
  pair(): Promise<StackPair>;
  /** True when the stack sends and answers ICMP echo; false when `ping` rejects with 'unsupported'. */
  icmp: boolean;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Byte `i` of a deterministic stream, different for each `seed`. */
function streamByte(i: number, seed: number): number {
  return (Math.imul(i ^ seed, 2654435761) >>> 24) ^ (i & 0xff);
}

function streamBytes(from: number, length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = streamByte(from + i, seed);
  return out;
}

async function readExactly(flow: Flow, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  for (let got = 0; got < length; ) {
    const chunk = await flow.read();
    if (chunk === null) throw new ContractFailure(`end of stream after ${got} of ${length} bytes`);
    assert(chunk.length > 0, 'read() resolved with an empty chunk');
    assert(got + chunk.length <= length, `read ${got + chunk.length} bytes, expected ${length}`);
    out.set(chunk, got);
    got += chunk.length;
  }
  return out;
}

/** Sends `length` bytes of the stream `seed` in chunks, then shuts the write side down. */
async function sendStream(flow: Flow, length: number, seed: number, chunkSize: number): Promise<void> {
  for (let sent = 0; sent < length; sent += chunkSize) {
    await flow.write(streamBytes(sent, Math.min(chunkSize, length - sent), seed));
  }
  await flow.shutdown();
}

/** Reads to end of stream, checking every byte against the stream `seed`; returns the byte count. */
async function checkStream(flow: Flow, seed: number): Promise<number> {
  let at = 0;
  for await (const chunk of flow) {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== streamByte(at + i, seed)) throw new ContractFailure(`stream byte ${at + i} is wrong`);
    }
    at += chunk.length;
  }
  return at;
}

/** True when `promise` settled while `ms` of the pair's clock passed; rethrows its rejection. */
async function settlesWithin(pair: StackPair, promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  let failure: unknown = null;
  promise.then(
    () => (settled = true),
    (err) => {
      settled = true;
      failure = err;
    },
  );
  await pair.pass(ms);
  if (failure) throw failure;
  return settled;
}

interface Connection {
  listener: TcpListener;
  client: Flow;
  server: Flow;
  port: number;
}

async function connect(pair: StackPair): Promise<Connection> {
  const listener = await pair.b.listenTcp(0);
  const port = listener.local.port;
  assert(port > 0 && port <= 65535, `listenTcp(0) gave port ${port}`);
  const [client, server] = await Promise.all([pair.a.connectTcp(pair.addressOfB, port), listener.accept()]);
  return { listener, client, server, port };
}

export function stackContract(subject: StackUnderTest): ContractCase[] {
  const withPair = (body: (pair: StackPair) => Promise<void>) => using(() => subject.pair(), body);
  return [
    {
      name: 'tcp: a flow carries bytes both ways and knows both endpoints',
      run: withPair(async (pair) => {
        const { client, server, port } = await connect(pair);
        await client.write(text('ping'));
        assertEqual(str(await readExactly(server, 4)), 'ping', 'server received');
        await server.write(text('pong!'));
        assertEqual(str(await readExactly(client, 5)), 'pong!', 'client received');
        assertEqual(client.remote.address, pair.addressOfB, 'client.remote.address');
        assertEqual(client.remote.port, port, 'client.remote.port');
        assertEqual(server.local.port, port, 'server.local.port');
        assertEqual(server.remote.address, pair.addressOfA, 'server.remote.address');
        assertEqual(server.remote.port, client.local.port, 'server.remote.port');
      }),
    },
    {
      name: 'tcp: shutdown ends the peer\'s reads with null while the other direction goes on',
      run: withPair(async (pair) => {
        const { client, server } = await connect(pair);
        await client.write(text('last words'));
        await client.shutdown();
        assertEqual(str(await readExactly(server, 10)), 'last words', 'server received');
        assertEqual(await server.read(), null, 'server read after the client shut down');
        assertEqual(await server.read(), null, 'server read again');
        await server.write(text('still here'));
        assertEqual(str(await readExactly(client, 10)), 'still here', 'client received after its shutdown');
        await server.shutdown();
        assertEqual(await client.read(), null, 'client read after both shut down');
      }),
    },
    {
      name: "tcp: writing after shutdown rejects with 'closed'",
      run: withPair(async (pair) => {
        const { client } = await connect(pair);
        await client.shutdown();
        await assertRejectsWith(client.write(text('x')), FlowError, 'closed', 'write after shutdown');
      }),
    },
    {
      name: 'tcp: 16 MiB each way at once arrive byte-exact',
      run: withPair(async (pair) => {
        const { client, server } = await connect(pair);
        const size = 16 << 20;
        const [, , atServer, atClient] = await Promise.all([
          sendStream(client, size, 1, 60_000),
          sendStream(server, size, 2, 16_384),
          checkStream(server, 1),
          checkStream(client, 2),
        ]);
        assertEqual(atServer, size, 'bytes the server received');
        assertEqual(atClient, size, 'bytes the client received');
      }),
    },
    {
      name: "tcp: the bytes a read resolves with are the reader's: later reads never write over them",
      run: withPair(async (pair) => {
        const { client, server } = await connect(pair);
        const size = 1 << 20;
        // Every chunk kept as it was handed over (no copy), checked again once the stream has ended.
        const kept: Uint8Array[] = [];
        await Promise.all([
          sendStream(client, size, 3, 16_384),
          (async () => {
            for await (const chunk of server) kept.push(chunk);
          })(),
        ]);
        let at = 0;
        for (const chunk of kept) {
          for (let i = 0; i < chunk.length; i++) {
            if (chunk[i] !== streamByte(at + i, 3)) throw new ContractFailure(`byte ${at + i}, read earlier, changed under its reader`);
          }
          at += chunk.length;
        }
        assertEqual(at, size, 'bytes received');
      }),
    },
    {
      name: 'tcp: writes wait while the peer does not read, and go on once it reads',
      run: withPair(async (pair) => {
        const { client, server } = await connect(pair);
        const chunk = new Uint8Array(256 << 10).fill(7);
        const limit = 64 << 20;
        let accepted = 0;
        let waiting: Promise<void> | null = null;
        while (accepted < limit) {
          const write = client.write(chunk);
          if (!(await settlesWithin(pair, write, 50))) {
            waiting = write;
            break;
          }
          accepted += chunk.length;
        }
        assert(waiting, `the peer read nothing, yet ${limit} bytes of writes were accepted without waiting`);
        const total = accepted + chunk.length;
        let read = 0;
        while (read < total) {
          const got = await server.read();
          if (got === null) throw new ContractFailure(`end of stream after ${read} of ${total} bytes`);
          read += got.length;
        }
        await waiting;
        assertEqual(read, total, 'bytes read');
      }),
    },
    {
      name: 'tcp: a flow is an async iterable of its chunks, ending at end of stream',
      run: withPair(async (pair) => {
        const { client, server } = await connect(pair);
        await client.write(text('one,'));
        await client.write(text('two'));
        await client.shutdown();
        const parts: string[] = [];
        for await (const chunk of server) parts.push(str(chunk));
        assertEqual(parts.join(''), 'one,two', 'bytes iterated');
      }),
    },
    {
      name: 'tcp: close() resolves pending reads with null, refuses later writes, and the peer sees end of stream',
      run: withPair(async (pair) => {
        const { client, server } = await connect(pair);
        const pending = client.read();
        await client.close();
        assertEqual(await pending, null, 'pending read after close');
        await assertRejectsWith(client.write(text('x')), FlowError, 'closed', 'write after close');
        assertEqual(await server.read(), null, 'the peer\'s read');
      }),
    },
    {
      name: "tcp: abort() resets the connection: the peer's read rejects with 'reset'",
      run: withPair(async (pair) => {
        const { client, server } = await connect(pair);
        await client.write(text('hi'));
        assertEqual(str(await readExactly(server, 2)), 'hi', 'server received');
        client.abort();
        await assertRejectsWith(server.read(), FlowError, 'reset', 'peer read after abort');
        await assertRejectsWith(client.write(text('x')), FlowError, 'closed', 'write after abort');
      }),
    },
    {
      name: "tcp: writes to a peer that aborted end with 'reset'",
      run: withPair(async (pair) => {
        const { client, server } = await connect(pair);
        server.abort();
        // The first writes may be accepted before the reset arrives; a later one must fail (bounded).
        let failure: unknown = null;
        for (let i = 0; i < 1000 && failure === null; i++) {
          await client.write(text('are you there?')).catch((err: unknown) => (failure = err));
          if (failure === null) await pair.pass(1);
        }
        assert(failure instanceof FlowError, `writes after the peer's abort ended with ${String(failure)}, expected a FlowError`);
        assertEqual((failure as FlowError).code, 'reset', 'error code');
        await assertRejectsWith(client.read(), FlowError, 'reset', 'read after the reset');
      }),
    },
    {
      name: "tcp: connecting to a port nobody listens on rejects with 'refused'",
      run: withPair(async (pair) => {
        const listener = await pair.b.listenTcp(0);
        const port = listener.local.port;
        await listener.close();
        await assertRejectsWith(pair.a.connectTcp(pair.addressOfB, port), FlowError, 'refused', 'connect');
      }),
    },
    {
      name: "tcp: listening on a port in use rejects with 'address-in-use'",
      run: withPair(async (pair) => {
        const listener = await pair.b.listenTcp(0);
        await assertRejectsWith(pair.b.listenTcp(listener.local.port), StackError, 'address-in-use', 'second listen');
      }),
    },
    {
      name: "tcp and udp: bad addresses and ports reject with 'invalid-address'",
      run: withPair(async (pair) => {
        const bad = (p: Promise<unknown>, what: string) => assertRejectsWith(p, StackError, 'invalid-address', what);
        await bad(pair.a.connectTcp('10.0.0', 80), "connect to '10.0.0'");
        await bad(pair.a.connectTcp('300.1.1.1', 80), "connect to '300.1.1.1'");
        await bad(pair.a.connectTcp(pair.addressOfB, 0), 'connect to port 0');
        await bad(pair.a.connectTcp(pair.addressOfB, 65536), 'connect to port 65536');
        await bad(pair.a.listenTcp(-1), 'listen on port -1');
        await bad(pair.a.listenTcp(1.5), 'listen on port 1.5');
        await bad(pair.a.listenTcp(0, { address: 'localhost' }), "listen on address 'localhost'");
        await bad(pair.a.bindUdp(70000), 'udp bind to port 70000');
        const udp = await pair.a.bindUdp(0);
        await bad(udp.send(text('x'), { address: 'example.com', port: 53 }), 'udp send to a name');
        await bad(udp.send(text('x'), { address: pair.addressOfB, port: 0 }), 'udp send to port 0');
      }),
    },
    {
      name: "tcp: closing a listener rejects pending accepts with 'closed', ends its iteration and frees the port",
      run: withPair(async (pair) => {
        const listener = await pair.b.listenTcp(0);
        const pending = listener.accept();
        const iterated = (async () => {
          let n = 0;
          for await (const flow of listener) {
            n++;
            await flow.close();
          }
          return n;
        })();
        await listener.close();
        await assertRejectsWith(pending, StackError, 'closed', 'pending accept');
        assertEqual(await iterated, 0, 'flows iterated');
        const again = await pair.b.listenTcp(listener.local.port);
        await again.close();
      }),
    },
    {
      name: 'tcp: 32 simultaneous connections are each accepted and served',
      run: withPair(async (pair) => {
        const listener = await pair.b.listenTcp(0);
        const serve = (async () => {
          for (let i = 0; i < 32; i++) {
            const flow = await listener.accept();
            void (async () => {
              for await (const chunk of flow) await flow.write(chunk);
              await flow.close();
            })();
          }
        })();
        const clients = await Promise.all(
          Array.from({ length: 32 }, async (_, i) => {
            const flow = await pair.a.connectTcp(pair.addressOfB, listener.local.port);
            await flow.write(text(`client ${i}`));
            await flow.shutdown();
            const parts: string[] = [];
            for await (const chunk of flow) parts.push(str(chunk));
            await flow.close();
            return parts.join('');
          }),
        );
        await serve;
        for (const [i, echoed] of clients.entries()) assertEqual(echoed, `client ${i}`, `echo to client ${i}`);
      }),
    },
    {
      name: 'udp: datagrams keep their boundaries and carry the sender\'s endpoint',
      run: withPair(async (pair) => {
        const receiver = await pair.b.bindUdp(0);
        const sender = await pair.a.bindUdp(0);
        assert(receiver.local.port > 0, `bindUdp(0) gave port ${receiver.local.port}`);
        const to = { address: pair.addressOfB, port: receiver.local.port };
        const sizes = [1, 100, 1400, 8000];
        for (const [i, size] of sizes.entries()) await sender.send(streamBytes(0, size, i), to);
        for (const [i, size] of sizes.entries()) {
          const d = await receiver.receive();
          assertBytesEqual(d.data, streamBytes(0, size, i), `datagram ${i}`);
          assertEqual(d.from.address, pair.addressOfA, 'sender address');
          assertEqual(d.from.port, sender.local.port, 'sender port');
        }
        await sender.send(text('reply?'), to);
        const d = await receiver.receive();
        await receiver.send(text('reply!'), d.from);
        assertEqual(str((await sender.receive()).data), 'reply!', 'reply');
      }),
    },
    {
      name: "udp: a datagram larger than IPv4 allows rejects with 'message-size'",
      run: withPair(async (pair) => {
        const sender = await pair.a.bindUdp(0);
        await assertRejectsWith(
          sender.send(new Uint8Array(65_508), { address: pair.addressOfB, port: 9 }),
          StackError,
          'message-size',
          'send of 65508 bytes',
        );
      }),
    },
    {
      name: "udp: binding a bound port rejects with 'address-in-use'",
      run: withPair(async (pair) => {
        const first = await pair.b.bindUdp(0);
        await assertRejectsWith(pair.b.bindUdp(first.local.port), StackError, 'address-in-use', 'second bind');
      }),
    },
    {
      name: "udp: closing a socket rejects receives with 'closed' and ends its iteration",
      run: withPair(async (pair) => {
        const socket = await pair.b.bindUdp(0);
        const pending = socket.receive();
        const iterated = (async () => {
          let n = 0;
          for await (const _ of socket) n++;
          return n;
        })();
        await socket.close();
        await assertRejectsWith(pending, StackError, 'closed', 'pending receive');
        assertEqual(await iterated, 0, 'datagrams iterated');
        await assertRejectsWith(socket.send(text('x'), { address: pair.addressOfA, port: 9 }), StackError, 'closed', 'send');
      }),
    },
    subject.icmp
      ? {
          name: 'icmp: ping gets an echo reply from the peer',
          run: withPair(async (pair) => {
            const reply = await pair.a.ping(pair.addressOfB, { payloadSize: 100, timeoutMs: 2000 });
            assertEqual(reply.from, pair.addressOfB, 'reply.from');
            assertEqual(reply.payloadSize, 100, 'reply.payloadSize');
            assert(reply.rttMs >= 0, `rttMs ${reply.rttMs}`);
          }),
        }
      : {
          name: "icmp: ping rejects with 'unsupported' (and 'invalid-address' for a bad address)",
          run: withPair(async (pair) => {
            await assertRejectsWith(pair.a.ping(pair.addressOfB), StackError, 'unsupported', 'ping');
            await assertRejectsWith(pair.a.ping('1.2.3'), StackError, 'invalid-address', "ping '1.2.3'");
          }),
        },
    {
      name: 'counters: numbers by layer that grow with traffic',
      run: withPair(async (pair) => {
        const { client, server } = await connect(pair);
        await client.write(new Uint8Array(1000));
        await readExactly(server, 1000);
        const counters = pair.a.counters();
        for (const [layer, values] of Object.entries(counters)) {
          for (const [name, value] of Object.entries(values)) {
            assert(Number.isInteger(value) && value >= 0, `counter ${layer}.${name} is ${value}`);
          }
        }
        const total = (s: Stack) => Object.values(s.counters()).reduce((sum, v) => sum + Object.values(v).reduce((a, b) => a + b, 0), 0);
        const before = total(pair.a);
        await client.write(new Uint8Array(1000));
        await readExactly(server, 1000);
        assert(total(pair.a) > before, 'some counter of the sending stack grew after sending 1000 bytes');
      }),
    },
    {
      name: "stack: close() ends open flows and refuses new sockets with 'closed'",
      run: withPair(async (pair) => {
        const { client, server } = await connect(pair);
        await pair.b.close();
        // A stack may end its flows with a FIN (end of stream) or a RST (reset); the peer must see one of them.
        const ending = await client.read().catch((err: unknown) => err);
        assert(
          ending === null || (ending instanceof FlowError && ending.code === 'reset'),
          `client read after the server stack closed gave ${String(ending)}, expected end of stream or FlowError('reset')`,
        );
        await assertRejectsWith(server.write(text('x')), FlowError, 'closed', 'write on a flow of the closed stack');
        await assertRejectsWith(pair.b.listenTcp(0), StackError, 'closed', 'listen');
        await assertRejectsWith(pair.b.connectTcp(pair.addressOfA, 9), StackError, 'closed', 'connect');
        await assertRejectsWith(pair.b.bindUdp(0), StackError, 'closed', 'udp bind');
      }),
    },
  ];
}
