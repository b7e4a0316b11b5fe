/**
 * TCP echo of a bulk stream natively: the echo example on the hosted
 * platform (the image's contents as a Linux process on a tap) against a
 * Linux C echo server over loopback in the same namespace, both fed by the
 * same client (test/images/tcp-roundtrip.c, byte-exact check), alternating.
 *  - `tcp-hosted`: MB/s (10^6 bytes) of the stream;
 *  - `tcp-hosted-cpu`: the echo server's CPU (user and system, all threads, /proc) per MB.
 *    Linux's own TCP work is partly done in softirq context and not all of
 *    it lands on the server process: that figure favours the baseline.
 * Native figures: no emulated machine anywhere.
 */
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';
import type { BenchCase, Benchmark, Mode, Side } from '../benchmark.ts';
import { benchHosted, benchProgram } from './build.ts';
import { megabytesPerSecond } from './tcp-image.ts';
import { cpuSeconds, inNamespace, namespaceDown, namespaceUp, nativeMissing, NativeServer, Shared, sharedRunSide } from './native.ts';

const NS = 'kilnbtcph';
const TAP = 'kilnbth0';
const MiB = 1024 * 1024;
const BYTES = 64 * MiB;

const SERVERS = {
  kiln: {
    name: 'echo example, hosted',
    address: '10.102.0.2',
    port: 7,
    command: (image: string, _linux: string) => [image, '--mem=64', `--net:service=${TAP}`, '--', '--ipv4=10.102.0.2/24', '--port=7'],
  },
  linux: {
    name: 'Linux C echo server, loopback',
    address: '127.0.0.1',
    port: 7007,
    command: (_image: string, linux: string) => [linux, '127.0.0.1', '7007'],
  },
};
type ServerKey = keyof typeof SERVERS;

interface Figures {
  megabytesPerSecond: number;
  cpuMillisecondsPerMegabyte: number;
}

interface Session {
  client: string;
  servers: Record<ServerKey, NativeServer>;
  runs: Record<ServerKey, Figures[]>;
}

async function echo(s: Session, key: ServerKey, bytes: number): Promise<Figures> {
  const server = s.servers[key];
  const before = cpuSeconds(server.pid);
  const output = await inNamespace(NS, [s.client, SERVERS[key].address, String(SERVERS[key].port), String(bytes)], 10 * 60_000);
  const cpu = cpuSeconds(server.pid) - before;
  if (!output.includes(`${bytes} bytes echoed byte-exact`)) throw new Error(`tcp-hosted: no byte-exact echo of ${bytes} bytes in: ${output}`);
  return { megabytesPerSecond: megabytesPerSecond(output), cpuMillisecondsPerMegabyte: (cpu * 1000) / (bytes / 1e6) };
}

const shared = new Shared<Session>(
  async () => {
    const [image, client, linux] = await Promise.all([
      benchHosted(join(repoRoot, 'examples', 'echo', 'app.ts'), 'echo.hosted'),
      benchProgram(join(repoRoot, 'test', 'images', 'tcp-roundtrip.c'), 'tcp-roundtrip'),
      benchProgram(join(repoRoot, 'bench', 'suites', 'tcp_echo_server.c'), 'tcp-echo-server'),
    ]);
    await namespaceUp(NS, [{ name: TAP, hostCidr: '10.102.0.1/24' }]);
    const servers = {} as Record<ServerKey, NativeServer>;
    const session: Session = { client, servers, runs: { kiln: [], linux: [] } };
    for (const key of Object.keys(SERVERS) as ServerKey[]) {
      servers[key] = new NativeServer(SERVERS[key].name, NS, SERVERS[key].command(image, linux));
      await servers[key].ready(NS, [client, SERVERS[key].address, String(SERVERS[key].port), '65536']);
      await echo(session, key, 4 * MiB); // warm
    }
    return session;
  },
  async (s) => {
    for (const server of Object.values(s.servers)) await server.stop();
    await namespaceDown(NS);
  },
);

/** A side reading one figure: its n-th sample is KEY's n-th run, made when the other benchmark has not made it. */
function side(session: Promise<Session>, key: ServerKey, figure: (f: Figures) => number): Side {
  return sharedRunSide(SERVERS[key].name, session, (s) => s.runs[key], (s) => echo(s, key, BYTES), figure);
}

function benchmark(name: string, what: string, unit: string, better: 'higher' | 'lower', figure: (f: Figures) => number): Benchmark {
  return {
    name,
    title: `TCP echo of ${BYTES / MiB} MiB, ${what}: the echo example on the hosted platform against a Linux C echo server, one namespace (native, this host)`,
    unit,
    better,
    missing: async () => nativeMissing([]),
    async cases(_mode: Mode): Promise<BenchCase[]> {
      const session = shared.hold();
      return [
        {
          label: `${BYTES / MiB} MiB echoed`,
          kiln: side(session, 'kiln', figure),
          baseline: side(session, 'linux', figure),
          teardown: () => shared.release(),
        },
      ];
    },
  };
}

export const tcpHostedBenchmark = benchmark('tcp-hosted', 'throughput', 'MB/s', 'higher', (f) => f.megabytesPerSecond);
export const tcpHostedCpuBenchmark = benchmark('tcp-hosted-cpu', 'server CPU per MB', 'ms CPU/MB', 'lower', (f) => f.cpuMillisecondsPerMegabyte);
