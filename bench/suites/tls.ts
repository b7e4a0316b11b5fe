/**
 * TLS 1.3 on Node (native figures, loopback, one process), each case Kiln
 * against its baseline, alternating:
 *   - full handshakes per second (X25519 + ECDSA P-256), a Kiln TLS listener
 *     (lib/tls over the unix stack, node:crypto) against Node's `tls` server,
 *     the same Node client connecting to each in turn;
 *   - HTTPS hello requests per second on keep-alive connections: lib/http
 *     over lib/tls against Node's `https`;
 *   - bulk transfer over TLS (64 MiB, 8 in quick mode, checked byte for byte
 *     by SHA-256 on every side): Kiln's TLS flow against Kiln's plain TCP
 *     flow on the same stack (the issue's goal: TLS at least 0.7x plain
 *     TCP), and against Node's `tls`; for reference, Node's `tls` against
 *     Node's plain TCP (`net`) in the same shape, which says how much of
 *     the gap the shape itself holds (the client's encryption runs in the
 *     same process).
 */
import { createServer as createHttpsServer, Agent, request as httpsRequest } from 'node:https';
import { connect as tlsConnectNode, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { connect as connectTcp, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Benchmark, BenchCase, Mode, Side } from '../benchmark.ts';
import { createUnixClock } from '../../drivers/unix/clock.ts';
import { createUnixStack } from '../../drivers/unix/stack.ts';
import { nodeCryptoProvider } from '../../drivers/unix/tls-crypto.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import type { Flow } from '../../lib/devices/flow.ts';
import type { Stack } from '../../lib/devices/stack.ts';
import { KilnResponse } from '../../lib/http/response.ts';
import { serveHttp } from '../../lib/http/server.ts';
import { parseCertificatesPem, parsePrivateKeyPem, tlsServer } from '../../lib/tls/index.ts';
import { hasOpenssl, makePki, type Issued, type Pki } from '../../test/support/tls-pki.ts';
import { cpuPerHandshake, sTimeCommand } from './handshake-cpu.ts';

const runCommand = promisify(execFile);

const MB = 1024 * 1024;

interface Fixture {
  pki: Pki;
  leaf: Issued;
  stack: Stack;
  ca: Buffer;
}

function newFixture(): Fixture {
  const pki = makePki();
  return { pki, leaf: pki.issue('bench'), stack: createUnixStack(), ca: Buffer.from(pki.rootPem) };
}

/** The `tls` benchmark's cases share one fixture; its last case closes it. */
let fixture: Fixture | null = null;

function setUp(): Fixture {
  fixture ??= newFixture();
  return fixture;
}

function kilnTlsOptions(f: Fixture) {
  return {
    crypto: nodeCryptoProvider,
    random: unixRandom,
    nowMs: () => Date.now(),
    clock: createUnixClock(),
    certificates: [{ chain: parseCertificatesPem(f.leaf.chainPem), key: parsePrivateKeyPem(f.leaf.keyPem) }],
    alpnProtocols: ['http/1.1'],
    maxHandshakes: 1000,
  };
}

/** Node's client: one full handshake (no session reuse) to `port`, then close. */
function handshakeOnce(port: number, ca: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = tlsConnectNode({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1.3', ecdhCurve: 'X25519' }, () => {
      s.end();
      resolve();
    });
    s.on('error', reject);
  });
}

async function handshakesPerSecond(port: number, ca: Buffer, count: number): Promise<number> {
  const start = performance.now();
  // Eight clients at once, as a server sees them.
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = 0; i < count / 8; i++) await handshakeOnce(port, ca);
  }));
  return count / ((performance.now() - start) / 1000);
}

/** A Kiln TLS listener and Node's `tls` server, each ending every connection once its handshake is done. */
async function handshakeServers(f: Fixture): Promise<{ kilnPort: number; nodePort: number; close(): Promise<void> }> {
  const kilnListener = tlsServer(await f.stack.listenTcp(0, { address: '127.0.0.1' }), kilnTlsOptions(f));
  void (async () => {
    for await (const flow of kilnListener) void flow.close();
  })();
  const node = createTlsServer({ cert: f.leaf.chainPem, key: f.leaf.keyPem, minVersion: 'TLSv1.3' }, (s) => s.end());
  const nodePort = await listening(node);
  return {
    kilnPort: kilnListener.local.port,
    nodePort,
    close: async () => {
      await kilnListener.close();
      node.close();
    },
  };
}

async function handshakeCase(mode: Mode): Promise<BenchCase> {
  const f = setUp();
  const count = mode.quick ? 80 : 800;
  const servers = await handshakeServers(f);
  return {
    label: 'full handshakes/s, X25519 + ECDSA P-256',
    kiln: { name: 'Kiln lib/tls (node:crypto)', measure: () => handshakesPerSecond(servers.kilnPort, f.ca, count) },
    baseline: { name: "Node's tls", measure: () => handshakesPerSecond(servers.nodePort, f.ca, count) },
    teardown: servers.close,
  };
}

async function requestsPerSecond(port: number, ca: Buffer, count: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4, ca, servername: 'localhost' });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/', agent, servername: 'localhost', ca }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  await one();
  const start = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let i = 0; i < count / 4; i++) await one();
  }));
  const rate = count / ((performance.now() - start) / 1000);
  agent.destroy();
  return rate;
}

async function httpsCase(mode: Mode): Promise<BenchCase> {
  const f = setUp();
  const count = mode.quick ? 400 : 4000;
  const clock = createUnixClock();
  const kilnListener = tlsServer(await f.stack.listenTcp(0, { address: '127.0.0.1' }), kilnTlsOptions(f));
  const server = serveHttp(kilnListener, () => new KilnResponse('hello'), { clock });
  const node = createHttpsServer({ cert: f.leaf.chainPem, key: f.leaf.keyPem, minVersion: 'TLSv1.3' }, (_req, res) => res.end('hello'));
  await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
  return {
    label: 'HTTPS hello requests/s, 4 keep-alive connections',
    kiln: { name: 'Kiln lib/http over lib/tls', measure: () => requestsPerSecond(kilnListener.local.port, f.ca, count) },
    baseline: { name: "Node's https", measure: () => requestsPerSecond((node.address() as AddressInfo).port, f.ca, count) },
    teardown: async () => {
      await server.shutdown(1000);
      node.close();
    },
  };
}

/** The bytes every bulk case sends: 64 KiB of a pattern, repeated. */
const CHUNK = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 31 + (i >>> 8)) & 0xff));

/**
 * The SHA-256 of `bytes` of the pattern, computed once: a receiver checks
 * against it inside the timed transfer, where hashing the pattern again
 * (64 MiB) would add the same time to every side and draw ratios to 1.
 */
function expectedDigest(bytes: number): string {
  let digest = expectedDigests.get(bytes);
  if (digest === undefined) {
    const h = createHash('sha256');
    for (let sent = 0; sent < bytes; sent += CHUNK.length) h.update(CHUNK);
    digest = h.digest('hex');
    expectedDigests.set(bytes, digest);
  }
  return digest;
}
const expectedDigests = new Map<number, string>();

/** Reads `bytes` from a flow that a Node client fills, and checks them byte for byte (by SHA-256). */
async function drainFlow(flow: Flow, bytes: number): Promise<void> {
  const h = createHash('sha256');
  let got = 0;
  while (got < bytes) {
    const c = await flow.read();
    if (!c) break;
    h.update(c);
    got += c.length;
  }
  await flow.close();
  if (got !== bytes || h.digest('hex') !== expectedDigest(bytes)) throw new Error(`received ${got} of ${bytes} bytes, or other bytes than sent`);
}

/** A Node client (plain or TLS) sends `bytes` to `port`, where `serve` reads them. */
async function bulk(port: number, tls: boolean, ca: Buffer, bytes: number, serve: () => Promise<void>): Promise<number> {
  const chunk = CHUNK;
  const start = performance.now();
  const sending = new Promise<void>((resolve, reject) => {
    const onConnect = () => {
      let sent = 0;
      const pump = (): void => {
        while (sent < bytes) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        socket.end();
      };
      pump();
    };
    const socket = tls
      ? tlsConnectNode({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, onConnect)
      : connectTcp(port, '127.0.0.1', onConnect);
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  await Promise.all([sending, serve()]);
  return bytes / MB / ((performance.now() - start) / 1000);
}

/**
 * A Node server (`tls` or `net`) that reads what a bulk client sends and
 * checks it; `received` resolves once the next connection ended with the
 * expected bytes.
 */
function nodeDrainServer(server: NetServer, connectionEvent: 'secureConnection' | 'connection', bytes: number): { server: NetServer; received(): Promise<void> } {
  let done: ((err?: Error) => void) | null = null;
  server.on(connectionEvent, (s: Socket) => {
    const h = createHash('sha256');
    let got = 0;
    s.on('data', (d: Buffer) => {
      h.update(d);
      got += d.length;
    });
    s.on('end', () => {
      s.end();
      const ok = got === bytes && h.digest('hex') === expectedDigest(bytes);
      done?.(ok ? undefined : new Error('Node received other bytes than sent'));
    });
  });
  return { server, received: () => new Promise<void>((resolve, reject) => (done = (err) => (err ? reject(err) : resolve()))) };
}

async function listening(server: NetServer): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function bulkCase(mode: Mode): Promise<BenchCase[]> {
  const f = setUp();
  const bytes = mode.quick ? 8 * MB : 64 * MB;
  expectedDigest(bytes); // before any timed run
  const tlsListener = tlsServer(await f.stack.listenTcp(0, { address: '127.0.0.1' }), kilnTlsOptions(f));
  const tcpListener = await f.stack.listenTcp(0, { address: '127.0.0.1' });
  const nodeTls = nodeDrainServer(createTlsServer({ cert: f.leaf.chainPem, key: f.leaf.keyPem, minVersion: 'TLSv1.3' }), 'secureConnection', bytes);
  const nodeTcp = nodeDrainServer(createNetServer({ allowHalfOpen: true }), 'connection', bytes);
  const nodeTlsPort = await listening(nodeTls.server);
  const nodeTcpPort = await listening(nodeTcp.server);
  const kilnTls: Side = { name: 'Kiln TLS flow (AES-128-GCM)', measure: () => bulk(tlsListener.local.port, true, f.ca, bytes, async () => drainFlow(await tlsListener.accept(), bytes)) };
  const nodeTlsSide: Side = { name: "Node's tls (AES-128-GCM)", measure: () => bulk(nodeTlsPort, true, f.ca, bytes, nodeTls.received) };
  return [
    {
      label: `${bytes / MB} MiB over TLS, Kiln TLS against Kiln plain TCP (same stack)`,
      kiln: kilnTls,
      baseline: { name: 'Kiln plain TCP flow', measure: () => bulk(tcpListener.local.port, false, f.ca, bytes, async () => drainFlow(await tcpListener.accept(), bytes)) },
    },
    {
      label: `${bytes / MB} MiB over TLS, Kiln against Node's tls`,
      kiln: kilnTls,
      baseline: nodeTlsSide,
    },
    {
      // The reference for the first case: what the same shape costs Node itself.
      label: `${bytes / MB} MiB, Node's tls against Node's plain TCP (net), for reference`,
      kiln: nodeTlsSide,
      baseline: { name: "Node's plain TCP (net)", measure: () => bulk(nodeTcpPort, false, f.ca, bytes, nodeTcp.received) },
      teardown: async () => {
        await tlsListener.close();
        await tcpListener.close();
        nodeTls.server.close();
        nodeTcp.server.close();
        await f.stack.close();
        fixture = null;
      },
    },
  ];
}

/** Server CPU per full handshake: a Kiln TLS listener and Node's `tls` server in this process, each driven by `openssl s_time` from outside. */
async function handshakeCpuCase(mode: Mode): Promise<BenchCase> {
  // A fixture of its own: every benchmark sets up before any measures, and `tls` closes the shared one.
  const f = newFixture();
  const seconds = mode.quick ? 1 : 3;
  const servers = await handshakeServers(f);
  const side = (name: string, port: number): Side => ({
    name,
    measure: () =>
      cpuPerHandshake(process.pid, async () => {
        const [command, ...args] = sTimeCommand('127.0.0.1', port, f.pki.rootPath, seconds);
        return (await runCommand(command!, args, { timeout: (seconds + 30) * 1000 })).stdout;
      }),
  });
  return {
    label: 'server CPU per full handshake (X25519 + ECDSA P-256, openssl s_time)',
    kiln: side('Kiln lib/tls (node:crypto)', servers.kilnPort),
    baseline: side("Node's tls", servers.nodePort),
    teardown: async () => {
      await servers.close();
      await f.stack.close();
    },
  };
}

export const tlsHandshakeCpuBenchmark: Benchmark = {
  name: 'tls-handshake-cpu',
  title: "TLS 1.3 on Node: server CPU per full handshake, Kiln against Node's tls (the issue's goal: at most 2x)",
  unit: 'µs CPU/handshake',
  better: 'lower',
  missing: async () => (hasOpenssl() ? null : 'needs openssl (Debian openssl) for its certificates and its client, s_time'),
  cases: async (mode) => [await handshakeCpuCase(mode)],
};

export const tlsBenchmark: Benchmark = {
  name: 'tls',
  title: 'TLS 1.3 on Node: handshakes, HTTPS requests and bulk data, Kiln against Node and against plain TCP',
  unit: 'per second (see case)',
  better: 'higher',
  missing: async () => (hasOpenssl() ? null : 'needs openssl (Debian openssl) for its test certificates'),
  cases: async (mode) => [await handshakeCase(mode), await httpsCase(mode), ...(await bulkCase(mode))],
};
