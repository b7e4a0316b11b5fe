/**
 * TLS bulk data natively (no emulated machine), Kiln's TLS against plain TCP
 * in the same Kiln process and against Node's tls. One app
 * (test/tls/tls-echo-app.ts) echoes over plain TCP and over TLS 1.3; the same
 * OpenSSL client (test/tls/tls-roundtrip.c, AES-128-GCM) sends a stream
 * through each while reading it back, and checks it byte for byte. Node's
 * tls echoes for the same client on the namespace's loopback.
 *  - `tls-hosted`: MB/s (10^6 bytes), the app on the hosted platform (the
 *    image's contents as a Linux process on a tap);
 *  - `tls-hosted-cpu`: that process's CPU (user and system, /proc) per MB;
 *  - `tls-image`: MB/s, the app as an hvt image under kiln-hvt (this host's
 *    KVM; in the nested test VM where there is none, ratios only).
 * The issue's goal: TLS at least 0.7x plain TCP in the same process.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';
import { buildPlatform } from '../../test/platform/build.ts';
import { hasOpenssl, makePki, type Issued, type Pki } from '../../test/support/tls-pki.ts';
import type { BenchCase, Benchmark, Mode, Side } from '../benchmark.ts';
import { benchHosted, benchImage, benchOpensslProgram } from './build.ts';
import { cpuPerHandshake, sTimeCommand } from './handshake-cpu.ts';
import { kvmPlace } from '../../test/harness/cases.ts';
import { alternate, KvmBatch, kvmMissing, kvmWhere, TENDER } from './kvm-batch.ts';
import { cpuSeconds, inNamespace, namespaceDown, namespaceUp, nativeMissing, NativeServer, Shared, sharedRunSide } from './native.ts';
import { inNs, netnsDown, netnsUp, startServer, stopServer } from './netns.ts';
import { megabytesPerSecond } from './tcp-image.ts';

const MiB = 1024 * 1024;
const APP = join(repoRoot, 'test', 'tls', 'tls-echo-app.ts');
const CLIENT = join(repoRoot, 'test', 'tls', 'tls-roundtrip.c');
const NODE_ECHO = join(repoRoot, 'test', 'tls', 'node-tls-echo.mjs');
const SUITE = 'TLS_AES_128_GCM_SHA256';

/** The three ways through: the app's TLS port, its plain port, Node's tls echo. */
type Path = 'tls' | 'tcp' | 'node';
const NAMES: Record<Path, string> = {
  tls: 'Kiln TLS echo (AES-128-GCM)',
  tcp: 'Kiln plain TCP echo, same process',
  node: "Node's tls echo, loopback",
};

interface Place {
  app: string;
  node: string;
}

/** The client's arguments for one path: through the app at `place.app`, or Node at `place.node`. */
function clientArgs(path: Path, place: Place, bytes: number, caPath: string): string[] {
  if (path === 'tcp') return ['tcp', place.app, '7', String(bytes)];
  return ['tls', path === 'tls' ? place.app : place.node, path === 'tls' ? '443' : '8443', String(bytes), caPath, SUITE];
}

const appArgs = (leaf: Issued, address: string): string[] => [
  `--ipv4=${address}/24`,
  `--cert=${Buffer.from(leaf.chainPem).toString('base64')}`,
  `--key=${Buffer.from(leaf.keyPem).toString('base64')}`,
];

function certificates(addresses: string[]): { pki: Pki; leaf: Issued } {
  const pki = makePki();
  return { pki, leaf: pki.issue('bulk', { names: addresses }) };
}

/** What the client and the certificates need: the openssl command and OpenSSL's headers. */
function missingHere(): string | null {
  if (!hasOpenssl()) return 'needs openssl (Debian openssl) for its certificates';
  return existsSync('/usr/include/openssl/ssl.h') ? null : 'needs libssl-dev for its OpenSSL client (npm run setup)';
}

// ---- hosted ----

const NS = 'kilnbtlsh';
const TAP = 'kilnbtlsh0';
const HOSTED: Place = { app: '10.104.0.2', node: '127.0.0.1' };
const BYTES = 64 * MiB;

interface Figures {
  megabytesPerSecond: number;
  cpuMillisecondsPerMegabyte: number;
}

interface Session {
  client: string;
  caPath: string;
  app: NativeServer;
  node: NativeServer;
  runs: Record<Path, Figures[]>;
}

async function roundtrip(s: Session, path: Path, bytes: number): Promise<Figures> {
  const server = path === 'node' ? s.node : s.app;
  const before = cpuSeconds(server.process.pid!);
  const output = await inNamespace(NS, [s.client, ...clientArgs(path, HOSTED, bytes, s.caPath)], 10 * 60_000);
  const cpu = cpuSeconds(server.process.pid!) - before;
  return { megabytesPerSecond: megabytesPerSecond(output), cpuMillisecondsPerMegabyte: (cpu * 1000) / (bytes / 1e6) };
}

const shared = new Shared<Session>(
  async () => {
    const [image, client] = await Promise.all([benchHosted(APP, 'tls-echo.hosted'), benchOpensslProgram(CLIENT, 'tls-roundtrip')]);
    const { pki, leaf } = certificates([HOSTED.app, HOSTED.node]);
    await namespaceUp(NS, [{ name: TAP, hostCidr: '10.104.0.1/24' }]);
    const app = new NativeServer('tls-echo app, hosted', NS, [image, '--mem=64', `--net:service=${TAP}`, '--', ...appArgs(leaf, HOSTED.app)]);
    const node = new NativeServer("Node's tls echo", NS, [process.execPath, NODE_ECHO, '8443', HOSTED.node, leaf.chainPath, leaf.keyPath]);
    const session: Session = { client, caPath: pki.rootPath, app, node, runs: { tls: [], tcp: [], node: [] } };
    for (const path of ['tcp', 'tls', 'node'] as Path[]) {
      await (path === 'node' ? node : app).ready(NS, [client, ...clientArgs(path, HOSTED, 65536, pki.rootPath)]);
      await roundtrip(session, path, 4 * MiB); // warm
    }
    return session;
  },
  async (s) => {
    await s.app.stop();
    await s.node.stop();
    await namespaceDown(NS);
  },
);

/** A side whose n-th sample is PATH's n-th run, made by whichever benchmark asks first. */
function hostedSide(session: Promise<Session>, path: Path, figure: (f: Figures) => number): Side {
  const name = `${NAMES[path]}${path === 'node' ? '' : ', hosted'}`;
  return sharedRunSide(name, session, (s) => s.runs[path], (s) => roundtrip(s, path, BYTES), figure);
}

function hostedBenchmark(name: string, what: string, unit: string, better: 'higher' | 'lower', figure: (f: Figures) => number): Benchmark {
  return {
    name,
    title: `TLS 1.3 echo of ${BYTES / MiB} MiB, ${what}: the app on the hosted platform, TLS against plain TCP in the same process and against Node's tls (native, this host)`,
    unit,
    better,
    missing: async () => nativeMissing([]) ?? missingHere(),
    async cases(_mode: Mode): Promise<BenchCase[]> {
      // Two cases share the TLS side's runs: each of its samples is compared with both baselines.
      const session = shared.hold();
      shared.hold();
      return [
        { label: 'TLS against plain TCP, one process', kiln: hostedSide(session, 'tls', figure), baseline: hostedSide(session, 'tcp', figure), teardown: () => shared.release() },
        { label: "TLS against Node's tls", kiln: hostedSide(session, 'tls', figure), baseline: hostedSide(session, 'node', figure), teardown: () => shared.release() },
      ];
    },
  };
}

export const tlsHostedBenchmark = hostedBenchmark('tls-hosted', 'throughput', 'MB/s', 'higher', (f) => f.megabytesPerSecond);
export const tlsHostedCpuBenchmark = hostedBenchmark('tls-hosted-cpu', 'server CPU per MB', 'ms CPU/MB', 'lower', (f) => f.cpuMillisecondsPerMegabyte);

/** Server CPU per full handshake: the hosted app's TLS port against Node's tls echo, each driven by `openssl s_time` in the namespace. */
export const tlsHostedHandshakeCpuBenchmark: Benchmark = {
  name: 'tls-hosted-handshake-cpu',
  title: "TLS 1.3 server CPU per full handshake: the app on the hosted platform against Node's tls (native, this host; the issue's goal: at most 2x)",
  unit: 'µs CPU/handshake',
  better: 'lower',
  missing: async () => nativeMissing([]) ?? missingHere(),
  async cases(mode: Mode): Promise<BenchCase[]> {
    const session = shared.hold();
    const seconds = mode.quick ? 1 : 3;
    const side = (path: 'tls' | 'node'): Side => ({
      name: path === 'tls' ? `${NAMES.tls}, hosted` : NAMES.node,
      async measure() {
        const s = await session;
        const [address, port, server] = path === 'tls' ? [HOSTED.app, 443, s.app] : [HOSTED.node, 8443, s.node];
        return cpuPerHandshake(server.process.pid!, () => inNamespace(NS, sTimeCommand(address, port, s.caPath, seconds), (seconds + 30) * 1000));
      },
    });
    return [{ label: 'full handshakes (X25519 + ECDSA P-256), server CPU each', kiln: side('tls'), baseline: side('node'), teardown: () => shared.release() }];
  },
};

// ---- image ----

const IMAGE_NS = 'kilnbtlsi';
const IMAGE_TAP = 'kilnbtlsi0';
const IMAGE: Place = { app: '10.105.0.2', node: '127.0.0.1' };

export const tlsImageBenchmark: Benchmark = {
  name: 'tls-image',
  title: `TLS 1.3 echo of a bulk stream through an hvt image, TLS against plain TCP in the same image and against Node's tls (${await kvmWhere()})`,
  unit: 'MB/s',
  better: 'higher',
  async missing() {
    const place = await kvmPlace();
    // Node's tls echoes beside the image: on this host, not in the test VM (which has no Node).
    if ('where' in place && place.where === 'vm') return "needs /dev/kvm on this host (Node's tls runs beside the image)";
    return (await kvmMissing()) ?? missingHere();
  },
  async cases(mode) {
    const [image, client] = await Promise.all([benchImage(APP, 'tls-echo.hvt'), benchOpensslProgram(CLIENT, 'tls-roundtrip'), buildPlatform()]);
    const { pki, leaf } = certificates([IMAGE.app, IMAGE.node]);
    const bytes = (mode.quick ? 4 : 64) * MiB;
    const run = (path: Path, n: number): string => inNs(IMAGE_NS, `./tls-roundtrip ${clientArgs(path, IMAGE, n, 'root.pem').join(' ')}`);
    const batch = new KvmBatch(
      {
        name: 'tls-image',
        files: [TENDER, image, client, NODE_ECHO, pki.rootPath, leaf.chainPath, leaf.keyPath],
        setup: [
          { name: 'tls.up', run: netnsUp(IMAGE_NS, [{ name: IMAGE_TAP, hostCidr: '10.105.0.1/24' }]) },
          {
            name: 'tls.start',
            run:
              `${startServer('tls-app', inNs(IMAGE_NS, `./kiln-hvt --mem=64 --net:service=${IMAGE_TAP} tls-echo.hvt ${appArgs(leaf, IMAGE.app).join(' ')}`))}; ` +
              `${startServer('tls-node', inNs(IMAGE_NS, `${process.execPath} node-tls-echo.mjs 8443 ${IMAGE.node} bulk-chain.pem bulk.key`))}; ` +
              `sleep 3; ${run('tcp', 65536)} && ${run('tls', 65536)} && ${run('node', 65536)}`,
          },
        ],
        round: (r) => [...alternate<Path>(r, 'tls', 'tcp'), 'node' as Path].map((p) => ({ name: `tls.${p}.${r}`, run: run(p, bytes) })),
        teardown: [
          { name: 'tls.stop', run: `${stopServer('tls-app')}; ${stopServer('tls-node')}` },
          { name: 'tls.down', run: netnsDown(IMAGE_NS) },
        ],
        timeoutMs: 6 * 60 * 60_000,
      },
      mode,
    );
    const side = (path: Path): Side => batch.side(`${NAMES[path]}${path === 'node' ? '' : ', image'}`, (r) => `tls.${path}.${r}`, megabytesPerSecond);
    return [
      { label: `${bytes / MiB} MiB echoed, TLS against plain TCP, one image`, kiln: side('tls'), baseline: side('tcp') },
      { label: `${bytes / MiB} MiB echoed, TLS against Node's tls`, kiln: side('tls'), baseline: side('node') },
    ];
  },
};
