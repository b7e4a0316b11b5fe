/**
 * Instructions per HTTP request, natively, under valgrind's callgrind: the
 * http example on the hosted platform against Node.js's `http` hello
 * server, each serving an exact number of keep-alive requests
 * (http_count_client.c, 10 connections) in a namespace made for the run.
 * Each sample runs the server twice, for FEW and for MANY requests, and
 * takes (instructions(MANY) - instructions(FEW)) / (MANY - FEW): start-up,
 * warm-up (Node's JIT) and shut-down fall out, what is left is the steady
 * cost of a request. Counts are user-space instructions only (the kernel's
 * share of a request is not in them); Node's include its JIT's code.
 * Deterministic enough to track from commit to commit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';
import type { Benchmark, Mode, Side } from '../benchmark.ts';
import { benchHosted, benchProgram } from './build.ts';
import { httpServers, httpUrl, inNamespace, namespaceDown, namespaceUp, nativeMissing, NativeServer, Shared } from './native.ts';

const NS = 'kilnbhins';
const TAP = 'kilnbi0';
const VALGRIND = '/usr/bin/valgrind';
const CONNECTIONS = 10;

// valgrind implements no seccomp: the process target's filter must stay off under it.
const PLANS = httpServers(TAP, '10.101.0.2', '10.101.0.1', ['--sandbox=off']);

/** Each server, with the requests in its short and its long run. */
const SERVERS = {
  kiln: { ...PLANS.kiln, counts: (mode: Mode): [number, number] => (mode.quick ? [100, 600] : [200, 2200]) },
  node: {
    ...PLANS.node,
    // Node's JIT still compiles through its first few thousand requests under
    // callgrind: runs starting earlier counted the compiler (297k a request
    // from 1000 to 3000; 52k from 3000 to 13000, 47k from 13000 to 33000).
    counts: (mode: Mode): [number, number] => (mode.quick ? [3000, 13000] : [5000, 35000]),
  },
};
type ServerKey = keyof typeof SERVERS;

interface Setup {
  image: string;
  client: string;
  work: string;
}

/** Instructions callgrind counted while KEY served COUNT requests (and the readiness probe's one). */
async function instructions(setup: Setup, key: ServerKey, count: number): Promise<number> {
  const plan = SERVERS[key];
  const out = join(setup.work, `${key}.${count}.callgrind`);
  const server = new NativeServer(`${plan.name} under callgrind`, NS, [VALGRIND, '--tool=callgrind', `--callgrind-out-file=${out}`, ...plan.command(setup.image)]);
  try {
    await server.ready(NS, ['curl', '-sf', '-m', '10', '-o', '/dev/null', httpUrl(plan)]);
    await inNamespace(NS, [setup.client, plan.address, String(plan.port), String(CONNECTIONS), String(count)], 30 * 60_000);
  } finally {
    await server.stop();
  }
  const m = /^summary: (\d+)$/m.exec(readFileSync(out, 'utf8'));
  if (!m) throw new Error(`callgrind wrote no summary in ${out}`);
  return Number(m[1]);
}

function side(setup: Promise<Setup>, key: ServerKey, mode: Mode): Side {
  return {
    name: SERVERS[key].name,
    async measure() {
      const s = await setup;
      const [few, many] = SERVERS[key].counts(mode);
      return ((await instructions(s, key, many)) - (await instructions(s, key, few))) / (many - few);
    },
  };
}

const shared = new Shared<Setup>(
  async () => {
    const [image, client] = await Promise.all([
      benchHosted(join(repoRoot, 'examples', 'http', 'app.ts'), 'http.hosted'),
      benchProgram(join(repoRoot, 'bench', 'suites', 'http_count_client.c'), 'http-count-client'),
    ]);
    await namespaceUp(NS, [{ name: TAP, hostCidr: '10.101.0.1/24' }]);
    return { image, client, work: mkdtempSync(join(tmpdir(), 'kiln-callgrind-')) };
  },
  async (s) => {
    rmSync(s.work, { recursive: true, force: true });
    await namespaceDown(NS);
  },
);

export const httpInstructionsBenchmark: Benchmark = {
  name: 'http-instructions',
  title: 'Instructions per HTTP hello request under callgrind (user space only, steady state): the http example on the hosted platform against Node.js http (native, this host)',
  unit: 'instructions/request',
  better: 'lower',
  missing: async () => nativeMissing([VALGRIND, '/usr/bin/curl']),
  async cases(mode) {
    const setup = shared.hold();
    const [kFew, kMany] = SERVERS.kiln.counts(mode);
    return [
      {
        label: `${CONNECTIONS} keep-alive connections, runs of ${kFew} and ${kMany} requests (Node: ${SERVERS.node.counts(mode).join(' and ')})`,
        kiln: side(setup, 'kiln', mode),
        baseline: side(setup, 'node', mode),
        teardown: () => shared.release(),
      },
    ];
  },
};
