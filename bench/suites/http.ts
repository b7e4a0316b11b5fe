/**
 * HTTP hello under load: requests/s (`http`) and latency percentiles
 * (`http-latency`) of the http example as an hvt image against a Node.js
 * `http` server, both driven by wrk from one namespace with the same
 * connection count, alternating A B / B A round by round in one boot of the
 * machine (http-peers.ts). The two benchmarks read the same wrk runs.
 */
import type { Benchmark, BenchCase, Mode } from '../benchmark.ts';
import { awaitAnswer, CONNECTIONS, httpBatchFiles, HOST_CIDR, IMAGE_NAME, IMAGE_ENDPOINT, imageServer, NODE_ENDPOINT, NODE_NAME, urlOf, nodeServer, NS, TAP } from './http-peers.ts';
import { alternate, KvmBatch, kvmMissing, kvmWhere } from './kvm-batch.ts';
import { inNs, netnsDown, netnsUp, startServer, stopServer } from './netns.ts';
import { parseWrk, wrkCleanCondition, wrkCommand, type WrkLoad, type WrkReport } from './wrk.ts';

const loadFor = (mode: Mode): WrkLoad => ({ connections: CONNECTIONS, seconds: mode.quick ? 2 : 10 });
/** Generous for a loaded host: the image's boot, a warm-up and the rounds, all under emulation. */
const TIMEOUT_MS = 2 * 60 * 60_000;

const SERVERS = {
  kiln: { name: IMAGE_NAME, endpoint: IMAGE_ENDPOINT, start: imageServer('64') },
  node: { name: NODE_NAME, endpoint: NODE_ENDPOINT, start: nodeServer },
} as const;
type ServerKey = keyof typeof SERVERS;

/** One batch per run and mode, read by both benchmarks. */
const batches = new Map<boolean, Promise<KvmBatch>>();

async function makeBatch(mode: Mode): Promise<KvmBatch> {
  const load = loadFor(mode);
  const keys: ServerKey[] = ['kiln', 'node'];
  return new KvmBatch(
    {
      name: 'http',
      files: await httpBatchFiles(),
      setup: [
        { name: 'http.up', run: netnsUp(NS, [{ name: TAP, hostCidr: HOST_CIDR }]) },
        // Both up and answering, then one sample's length of load each to warm them (Node's JIT, the image's heap).
        ...keys.map((k) => ({
          name: `http.start.${k}`,
          run: [
            startServer(k, SERVERS[k].start),
            `${awaitAnswer(SERVERS[k].endpoint, `$(cat ${k}.pid)`)} || { echo "${SERVERS[k].name} never answered"; cat ${k}.log; exit 1; }`,
            `${inNs(NS, wrkCommand(load, urlOf(SERVERS[k].endpoint)))} >warm-${k}.out 2>&1`,
            `${wrkCleanCondition(`warm-${k}.out`)} || { echo "${SERVERS[k].name}: the warm-up load had errors"; cat warm-${k}.out ${k}.log; exit 1; }`,
          ].join('\n'),
        })),
      ],
      round: (r) => alternate<ServerKey>(r, 'kiln', 'node').map((k) => ({ name: `http.${k}.${r}`, run: inNs(NS, wrkCommand(load, urlOf(SERVERS[k].endpoint))) })),
      teardown: [
        { name: 'http.stop', run: keys.map((k) => stopServer(k)).join('; ') },
        { name: 'http.down', run: netnsDown(NS) },
      ],
      timeoutMs: TIMEOUT_MS,
    },
    mode,
  );
}

function sharedBatch(mode: Mode): Promise<KvmBatch> {
  let batch = batches.get(mode.quick);
  if (!batch) {
    batch = makeBatch(mode);
    batches.set(mode.quick, batch);
  }
  return batch;
}

async function casesOf(mode: Mode, figures: [string, (r: WrkReport) => number][]): Promise<BenchCase[]> {
  const batch = await sharedBatch(mode);
  const side = (k: ServerKey, figure: (r: WrkReport) => number) =>
    batch.side(SERVERS[k].name, (r) => `http.${k}.${r}`, (output) => figure(parseWrk(output)));
  const load = loadFor(mode);
  return figures.map(([what, figure]) => ({
    label: `${what}, ${load.connections} connections, ${load.seconds} s`,
    kiln: side('kiln', figure),
    baseline: side('node', figure),
  }));
}

const where = await kvmWhere();

export const httpBenchmark: Benchmark = {
  name: 'http',
  title: `HTTP hello under wrk: http image against Node.js http, same namespace and machine (${where})`,
  unit: 'requests/s',
  better: 'higher',
  missing: kvmMissing,
  cases: (mode) => casesOf(mode, [['requests/s', (r) => r.requestsPerSecond]]),
};

export const httpLatencyBenchmark: Benchmark = {
  name: 'http-latency',
  title: `HTTP hello latency under wrk: http image against Node.js http, same namespace and machine (${where})`,
  unit: 'ms',
  better: 'lower',
  missing: kvmMissing,
  cases: (mode) =>
    casesOf(mode, [
      ['p50', (r) => r.p50Ms],
      ['p99', (r) => r.p99Ms],
    ]),
};
