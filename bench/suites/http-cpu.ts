/**
 * HTTP hello natively: the http example on the hosted platform (the image's
 * contents as a Linux process on a tap) against Node.js's `http` hello
 * server, in one namespace made for the run, both driven by wrk from it with
 * the same connection count, alternating round by round. Every wrk run
 * gives four figures, one benchmark each, all read from the same runs:
 *  - `http-cpu`: the server's CPU (user and system, all threads, /proc) per request;
 *  - `http-hosted`: requests/s;
 *  - `http-hosted-latency`: p99;
 *  - `http-hosted-rss`: the server's resident memory after the run.
 * Native figures: no emulated machine anywhere.
 */
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';
import type { BenchCase, Benchmark, Mode, Side } from '../benchmark.ts';
import { benchHosted } from './build.ts';
import { cpuSeconds, httpServers, httpUrl, namespaceDown, namespaceUp, inNamespace, nativeMissing, NativeServer, rssMiB, Shared, sharedRunSide } from './native.ts';
import { parseWrk, WRK } from './wrk.ts';

const NS = 'kilnbhcpu';
const TAP = 'kilnbc0';
const HOST_CIDR = '10.99.0.1/24';
const LOADS = [10, 100];

const SERVERS = httpServers(TAP, '10.99.0.2', '10.99.0.1');
type ServerKey = keyof typeof SERVERS;

interface Figures {
  requestsPerSecond: number;
  p99Ms: number;
  cpuMicrosecondsPerRequest: number;
  rssMiB: number;
}

const secondsOf = (mode: Mode): number => (mode.quick ? 2 : 10);

async function load(server: NativeServer, url: string, connections: number, seconds: number): Promise<Figures> {
  const cpuBefore = cpuSeconds(server.pid);
  const output = await inNamespace(NS, [WRK, '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '30s', '--latency', url], (seconds + 60) * 1000);
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const wrk = parseWrk(output);
  return { requestsPerSecond: wrk.requestsPerSecond, p99Ms: wrk.p99Ms, cpuMicrosecondsPerRequest: (cpu / wrk.requests) * 1e6, rssMiB: rssMiB(server.pid) };
}

interface Session {
  servers: Record<ServerKey, NativeServer>;
  /** Figures of each server and load, in the order measured: every benchmark reads the same runs. */
  runs: Record<string, Figures[]>;
  seconds: number;
}

async function startSession(mode: Mode): Promise<Session> {
  const image = await benchHosted(join(repoRoot, 'examples', 'http', 'app.ts'), 'http.hosted');
  await namespaceUp(NS, [{ name: TAP, hostCidr: HOST_CIDR }]);
  const servers = {} as Record<ServerKey, NativeServer>;
  for (const key of Object.keys(SERVERS) as ServerKey[]) {
    const plan = SERVERS[key];
    servers[key] = new NativeServer(plan.name, NS, plan.command(image));
    await servers[key].ready(NS, ['curl', '-sf', '-m', '2', '-o', '/dev/null', httpUrl(plan)]);
    // One run's length of load first: Node's JIT and the image's heap warm.
    await load(servers[key], httpUrl(plan), LOADS[0]!, secondsOf(mode));
  }
  return { servers, runs: {}, seconds: secondsOf(mode) };
}

async function endSession(s: Session): Promise<void> {
  for (const server of Object.values(s.servers)) await server.stop();
  await namespaceDown(NS);
}

/** One session per mode, shared by the four benchmarks' cases. */
const sessions = new Map<boolean, Shared<Session>>();
function sessionFor(mode: Mode): Shared<Session> {
  let shared = sessions.get(mode.quick);
  if (!shared) {
    shared = new Shared(() => startSession(mode), endSession);
    sessions.set(mode.quick, shared);
  }
  return shared;
}

/** A side reading one figure of KEY's runs at CONNECTIONS: its n-th sample is the n-th run, made when no earlier benchmark made it. */
function side(session: Promise<Session>, key: ServerKey, connections: number, figure: (f: Figures) => number): Side {
  const id = `${key}.${connections}`;
  const run = (s: Session): Promise<Figures> => load(s.servers[key], httpUrl(SERVERS[key]), connections, s.seconds);
  return sharedRunSide(SERVERS[key].name, session, (s) => (s.runs[id] ??= []), run, figure);
}

function benchmark(name: string, what: string, unit: string, better: 'higher' | 'lower', figure: (f: Figures) => number): Benchmark {
  return {
    name,
    title: `HTTP hello under wrk, ${what}: the http example on the hosted platform against Node.js http, one namespace (native, this host)`,
    unit,
    better,
    missing: async () => nativeMissing([WRK, '/usr/bin/curl']),
    async cases(mode): Promise<BenchCase[]> {
      const shared = sessionFor(mode);
      return LOADS.map((connections) => {
        const session = shared.hold();
        return {
          label: `wrk -t1 -c${connections}, ${secondsOf(mode)} s`,
          kiln: side(session, 'kiln', connections, figure),
          baseline: side(session, 'node', connections, figure),
          teardown: () => shared.release(),
        };
      });
    },
  };
}

export const httpCpuBenchmark = benchmark('http-cpu', 'server CPU per request', 'µs CPU/request', 'lower', (f) => f.cpuMicrosecondsPerRequest);
export const httpHostedBenchmark = benchmark('http-hosted', 'requests/s', 'requests/s', 'higher', (f) => f.requestsPerSecond);
export const httpHostedLatencyBenchmark = benchmark('http-hosted-latency', 'p99 latency', 'ms', 'lower', (f) => f.p99Ms);
export const httpHostedRssBenchmark = benchmark('http-hosted-rss', 'server resident memory after each run', 'MiB', 'lower', (f) => f.rssMiB);
