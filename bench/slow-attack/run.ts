/**
 * node bench/slow-attack.js [--quick] [--mem=64,16] [--skip-attack] [--skip-soak] [--soak-seconds=N] [--syn-burst] [--target=hosted|hvt]
 *
 * The http example as a hosted process (runtime/hosted: the image's contents
 * as a Linux process) on a tap in a namespace made for the run, under a slow
 * attack (load.ts): 500 connections that send part of a head and go quiet,
 * 20 that trickle a byte a second, and a bounded series of normal requests
 * on new connections. Per --mem: the normal requests' success rate and
 * latency, frames and segments dropped for memory, heap and RSS peaks. The
 * same attack against Node.js's http hello server in the same namespace is
 * the reference.
 *
 * Then the soak: `wrk -t1 -c100` for 10 minutes (20 s with --quick) with
 * the attack in its middle fifth; requests and errors per second, the
 * server's heap and RSS every second, as bench/results/soak-MEM.svg.
 *
 * With --target=hvt, the http example is an x86_64 hvt image under kiln-hvt
 * (KVM) on the same tap instead: RSS is the tender's (guest memory it has
 * touched included), the heap from /stats as for hosted; the soak lasts
 * 120 s unless --soak-seconds says otherwise.
 *
 * With --syn-burst, only the SYN burst of syn-burst.ts: the hosted http
 * example (--mem=64) against the kernel's listener, three alternating
 * rounds, the ratio of medians.
 *
 * All figures are native (hosted process or KVM, this host). Results go to
 * bench/results/slow-attack[-hvt][-quick].json and .md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../cli/paths.ts';
import { benchHosted, benchImage } from '../suites/build.ts';
import { TENDER } from '../suites/kvm-batch.ts';
import { inNamespace, namespaceDown, namespaceUp, nativeMissing, NativeServer, rssMiB } from '../suites/native.ts';
import { WRK } from '../suites/wrk.ts';
import { soakChart } from './chart.ts';
import type { LoadReport } from './load.ts';
import { synBurst, type BurstResult } from './syn-burst.ts';

const NS = 'kilnbslow';
const TAP = 'kilnbs0';
const HOST_CIDR = '10.97.0.1/24';
const KILN_ADDRESS = '10.97.0.2';
const NODE_URL = 'http://10.97.0.1:8080/';
const KILN_URL = `http://${KILN_ADDRESS}:80/`;
const RESULTS = join(repoRoot, 'bench', 'results');

type Target = 'hosted' | 'hvt';

interface Args {
  target: Target;
  synBurst: boolean;
  quick: boolean;
  mems: number[];
  attack: boolean;
  soak: boolean;
  soakSeconds: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { target: 'hosted', synBurst: false, quick: false, mems: [64, 16], attack: true, soak: true, soakSeconds: 600 };
  let soakSeconds: number | null = null;
  for (const arg of argv) {
    if (arg === '--quick') a.quick = true;
    else if (arg === '--syn-burst') a.synBurst = true;
    else if (arg === '--skip-attack') a.attack = false;
    else if (arg === '--skip-soak') a.soak = false;
    else if (arg === '--target=hosted' || arg === '--target=hvt') a.target = arg.slice(9) as Target;
    else if (arg.startsWith('--mem=')) a.mems = arg.slice(6).split(',').map(Number);
    else if (arg.startsWith('--soak-seconds=')) soakSeconds = Number(arg.slice(15));
    else throw new Error(`slow-attack: unknown argument ${arg}`);
  }
  if (a.mems.some((m) => !Number.isInteger(m) || m < 4)) throw new Error('slow-attack: --mem takes whole MiB of at least 4');
  a.soakSeconds = soakSeconds ?? (a.quick ? 20 : a.target === 'hvt' ? 120 : 600);
  return a;
}

const kilnArgs = [`--ipv4=${KILN_ADDRESS}/24`, '--port=80'];
/** The http example's command: the hosted process takes the tender's options itself, an hvt image runs under kiln-hvt. */
const kilnCommand = (target: Target, image: string, mem: number): string[] =>
  target === 'hvt' ? [TENDER, `--mem=${mem}`, `--net:service=${TAP}`, image, ...kilnArgs] : [image, `--mem=${mem}`, `--net:service=${TAP}`, '--', ...kilnArgs];
/** How the server is named in results and charts. */
const kilnName = (target: Target, mem: number): string => (target === 'hvt' ? `http example, hvt image under kiln-hvt --mem=${mem}` : `http example, hosted --mem=${mem}`);
const nodeCommand = (): string[] => [process.execPath, '-e', 'require("http").createServer((q, s) => s.end("hello")).listen(8080, "10.97.0.1")'];

/** Runs load.ts in the namespace with ARGS; its report. */
async function runLoad(args: string[], timeoutMs: number): Promise<LoadReport> {
  const runTs = pathToFileURL(join(repoRoot, 'cli', 'run-ts.js')).href;
  const entry = join(repoRoot, 'bench', 'slow-attack', 'load.ts');
  const script = `import(${JSON.stringify(runTs)}).then((m) => m.runTs(${JSON.stringify(entry)}, ${JSON.stringify(args)}))`;
  const out = await inNamespace(NS, [process.execPath, '--input-type=module', '-e', script], timeoutMs);
  return JSON.parse(out.trim().split('\n').at(-1)!) as LoadReport;
}

type Stats = Record<string, unknown> & { memory?: Record<string, number>; stack?: Record<string, Record<string, number>> };

async function stats(): Promise<Stats> {
  return JSON.parse(await inNamespace(NS, ['curl', '-sf', '-m', '5', `${KILN_URL}stats`], 10_000)) as Stats;
}

/** RSS peak of PID while `during` runs, sampled every 100 ms. */
async function withRssPeak<T>(pid: number, during: Promise<T>): Promise<[T, number]> {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      // The process has gone: the run reports it.
    }
  }, 100);
  try {
    return [await during, peak];
  } finally {
    clearInterval(timer);
  }
}

const percentile = (sorted: number[], p: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
const MiB = 1024 * 1024;

interface AttackResult {
  server: string;
  mem: number | null;
  normalSent: number;
  successRate: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  failures: Record<string, number>;
  attack: LoadReport['attack'];
  rssPeakMiB: number;
  heapPeakMiB?: number;
  heapMiB?: number;
  budgetPeakMiB?: number;
  budgetMiB?: number;
  tcpDroppedForMemory?: number;
  framesDroppedOutOfMemory?: number;
  connectionsRefusedForMemory?: number;
  evicted?: number;
  shed?: number;
  /** The server's TCP counters after the run (in the JSON only): where normal requests were lost. */
  tcp?: Record<string, number>;
}

async function attackRun(server: NativeServer, url: string, mem: number | null, quick: boolean): Promise<AttackResult> {
  const host = new URL(url).hostname;
  const port = new URL(url).port || '80';
  const requests = quick ? 100 : 300;
  const args = [`--host=${host}`, `--port=${port}`, '--attackers=500', '--tricklers=20', `--requests=${requests}`, '--interval-ms=100', '--timeout-ms=5000', '--settle-ms=3000'];
  const [report, rssPeak] = await withRssPeak(server.pid, runLoad(args, 5 * 60_000));
  const n = report.normal;
  const result: AttackResult = {
    server: server.name,
    mem,
    normalSent: n.sent,
    successRate: n.ok / n.sent,
    p50Ms: percentile(n.latenciesMs, 50),
    p99Ms: percentile(n.latenciesMs, 99),
    maxMs: n.latenciesMs.at(-1) ?? NaN,
    failures: n.failures,
    attack: report.attack,
    rssPeakMiB: rssPeak,
  };
  if (mem !== null) {
    const s = await stats();
    const tcp = s.stack?.tcp ?? {};
    const memory = s.memory ?? {};
    Object.assign(result, {
      heapPeakMiB: (memory.peak ?? NaN) / MiB,
      heapMiB: (memory.heapSize ?? NaN) / MiB,
      budgetPeakMiB: (tcp['memory.peak'] ?? NaN) / MiB,
      budgetMiB: (tcp['memory.limit'] ?? NaN) / MiB,
      tcpDroppedForMemory: tcp['rx.dropped.memory'] ?? 0,
      framesDroppedOutOfMemory: s.stack?.ethernet?.['rx.dropped.out-of-memory'] ?? 0,
      connectionsRefusedForMemory: tcp['connections.refused-memory'] ?? 0,
      evicted: s.evictedConnections as number,
      shed: s.shedConnections as number,
      tcp,
    });
  }
  return result;
}

interface SoakSample {
  second: number;
  heapInUseMiB: number | null;
  rssMiB: number | null;
  statsMs: number | null;
  /** The server's connections shed and evicted since it started (what wrk counts as socket errors; wrk does not say when). */
  dropped: number | null;
}

interface SoakResult {
  mem: number;
  seconds: number;
  attack: [number, number];
  wrk: string;
  perSecond: { second: number; responses: number; non200: number }[];
  samples: SoakSample[];
  errorsOutsideAttack: number;
  non200DuringAttack: number;
  droppedOutsideAttack: number;
  chart: string;
}

async function soakRun(server: NativeServer, label: string, mem: number, seconds: number): Promise<SoakResult> {
  const seriesFile = join(RESULTS, `${label}.series`);
  const attackFrom = Math.round(seconds * 0.4);
  const attackTo = Math.round(seconds * 0.6);
  const started = Date.now();
  const wrk = inNamespace(
    NS,
    ['env', `SOAK_SERIES=${seriesFile}`, WRK, '-t1', '-c100', `-d${seconds}s`, '--timeout', '5s', '--latency', '-s', join(repoRoot, 'bench', 'slow-attack', 'per-second.lua'), KILN_URL],
    (seconds + 120) * 1000,
  );
  const attack = (async () => {
    await new Promise((r) => setTimeout(r, attackFrom * 1000));
    await runLoad([`--host=${KILN_ADDRESS}`, '--port=80', '--attackers=500', '--tricklers=20', '--requests=0', `--attack-ms=${(attackTo - attackFrom) * 1000}`], (seconds + 120) * 1000);
  })();
  const samples: SoakSample[] = [];
  let done = false;
  void wrk.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    const second = (Date.now() - started) / 1000;
    const t0 = performance.now();
    let heap: number | null = null;
    let statsMs: number | null = null;
    let dropped: number | null = null;
    try {
      const s = await stats();
      statsMs = performance.now() - t0;
      heap = (s.memory?.inUse ?? NaN) / MiB;
      dropped = (s.shedConnections as number) + (s.evictedConnections as number);
    } catch {
      // Unanswered: a gap in the line, and counted below.
    }
    let rss: number | null = null;
    try {
      rss = rssMiB(server.pid);
    } catch {
      // gone
    }
    samples.push({ second, heapInUseMiB: heap, rssMiB: rss, statsMs, dropped });
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - t0))));
  }
  const wrkOutput = await wrk;
  await attack;
  const lines = readFileSync(seriesFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' ').map(Number) as [number, number, number]);
  const first = lines[0]?.[0] ?? 0;
  const perSecond = lines.map(([s, responses, non200]) => ({ second: s - first, responses, non200 }));
  const inAttack = (s: number): boolean => s >= attackFrom && s < attackTo + 2;
  const socketErrors = /Socket errors: (.*)$/m.exec(wrkOutput)?.[1] ?? '';
  const errorsOutsideAttack = perSecond.filter((p) => !inAttack(p.second)).reduce((n, p) => n + p.non200, 0);
  const non200DuringAttack = perSecond.filter((p) => inAttack(p.second)).reduce((n, p) => n + p.non200, 0);
  // Connections the server dropped between two answered samples, counted where the later one falls (the attack's own included while it lasts).
  const answered = samples.filter((x) => x.dropped !== null);
  const droppedOutsideAttack = answered.slice(1).reduce((n, x, i) => (inAttack(x.second) ? n : n + x.dropped! - answered[i]!.dropped!), 0);
  const chartFile = join(RESULTS, `${label}.svg`);
  const bySecond = new Map(perSecond.map((p) => [p.second, p]));
  const axis = samples.map((s) => s.second);
  writeFileSync(
    chartFile,
    soakChart(`Soak: wrk -c100, ${seconds} s, ${server.name} (native)`, axis, [attackFrom, attackTo], [
      {
        title: 'requests answered per second (wrk)',
        unit: 'requests/s',
        series: [
          { name: 'responses', colour: '#1565c0', values: axis.map((t) => bySecond.get(Math.floor(t))?.responses ?? null) },
          { name: 'non-200', colour: '#c62828', values: axis.map((t) => bySecond.get(Math.floor(t))?.non200 ?? null) },
        ],
      },
      {
        title: 'server memory',
        unit: 'MiB',
        series: [
          { name: 'RSS', colour: '#6a1b9a', values: samples.map((s) => s.rssMiB) },
          { name: 'heap in use', colour: '#2e7d32', values: samples.map((s) => s.heapInUseMiB) },
        ],
      },
      { title: '/stats answer time, a new connection each second', unit: 'ms', series: [{ name: '/stats', colour: '#ef6c00', values: samples.map((s) => s.statsMs) }] },
    ]),
  );
  return { mem, seconds, attack: [attackFrom, attackTo], wrk: `${/^\s*\d+ requests in .*$/m.exec(wrkOutput)?.[0]?.trim() ?? ''}${socketErrors ? `; socket errors: ${socketErrors}` : ''}`, perSecond, samples, errorsOutsideAttack, non200DuringAttack, droppedOutsideAttack, chart: chartFile };
}

const f = (v: number | undefined, digits = 1): string => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));

function markdown(target: Target, attacks: AttackResult[], soaks: SoakResult[]): string {
  const lines = [
    `# Slow attack and soak (native: ${target === 'hvt' ? 'hvt image under kiln-hvt on KVM' : 'hosted process'}, this host)`,
    '',
    '| server | --mem | normal requests | success | p50 ms | p99 ms | max ms | failures | attackers closed by server | RSS peak MiB | heap peak / heap MiB | budget peak / limit MiB | TCP text dropped for memory | frames dropped out of memory | SYNs refused for memory | evicted | shed |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...attacks.map(
      (r) =>
        `| ${r.server} | ${r.mem ?? '-'} | ${r.normalSent} | ${(r.successRate * 100).toFixed(1)}% | ${f(r.p50Ms, 2)} | ${f(r.p99Ms, 2)} | ${f(r.maxMs, 2)} | ${JSON.stringify(r.failures)} | ${r.attack.closedByServer} | ${f(r.rssPeakMiB)} | ${f(r.heapPeakMiB)} / ${f(r.heapMiB)} | ${f(r.budgetPeakMiB)} / ${f(r.budgetMiB)} | ${r.tcpDroppedForMemory ?? '-'} | ${r.framesDroppedOutOfMemory ?? '-'} | ${r.connectionsRefusedForMemory ?? '-'} | ${r.evicted ?? '-'} | ${r.shed ?? '-'} |`,
    ),
    '',
    ...soaks.flatMap((s) => [
      `Soak --mem=${s.mem}, ${s.seconds} s, attack ${s.attack[0]}-${s.attack[1]} s: ${s.wrk}; non-200 outside the attack ${s.errorsOutsideAttack}, during it ${s.non200DuringAttack}; connections shed or evicted by the server outside the attack ${s.droppedOutsideAttack}, in all ${[...s.samples].reverse().find((x) => x.dropped !== null)?.dropped ?? '-'}; heap in use first/last ${f(s.samples.find((x) => x.heapInUseMiB !== null)?.heapInUseMiB ?? undefined, 2)}/${f([...s.samples].reverse().find((x) => x.heapInUseMiB !== null)?.heapInUseMiB ?? undefined, 2)} MiB, RSS first/last ${f(s.samples[0]?.rssMiB ?? undefined)}/${f(s.samples.at(-1)?.rssMiB ?? undefined)} MiB; /stats unanswered in ${s.samples.filter((x) => x.statsMs === null).length} of ${s.samples.length} samples.`,
      '',
      `![soak --mem=${s.mem}](${basename(s.chart)})`,
      '',
    ]),
  ];
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const missing = nativeMissing([WRK, '/usr/bin/curl']);
  if (missing) {
    console.log(`slow-attack: skipped: ${missing}`);
    return 0;
  }
  mkdirSync(RESULTS, { recursive: true });
  const app = join(repoRoot, 'examples', 'http', 'app.ts');
  const image = args.target === 'hvt' ? await benchImage(app, 'http.hvt') : await benchHosted(app, 'http.hosted');
  await namespaceUp(NS, [{ name: TAP, hostCidr: HOST_CIDR }]);
  const attacks: AttackResult[] = [];
  const soaks: SoakResult[] = [];
  try {
    const start = async (name: string, command: string[], url: string): Promise<NativeServer> => {
      const server = new NativeServer(name, NS, command);
      await server.ready(NS, ['curl', '-sf', '-m', '2', '-o', '/dev/null', url]);
      return server;
    };
    if (args.synBurst) {
      const results: BurstResult[] = [];
      const kiln = await start(kilnName(args.target, 64), kilnCommand(args.target, image, 64), KILN_URL);
      const node = await start('Linux kernel listener (Node.js http)', nodeCommand(), NODE_URL);
      try {
        const syns = args.quick ? 5000 : 20_000;
        for (let round = 0; round < 3; round++) {
          const order = round % 2 === 0 ? ['kiln', 'node'] : ['node', 'kiln'];
          for (const which of order) {
            const r = which === 'kiln' ? await synBurst(NS, kiln.name, TAP, KILN_ADDRESS, 80, syns) : await synBurst(NS, node.name, 'lo', '10.97.0.1', 8080, syns);
            results.push(r);
            console.log(JSON.stringify(r));
          }
        }
      } finally {
        await kiln.stop();
        await node.stop();
      }
      const median = (name: string): number => {
        const v = results.filter((r) => r.server === name).map((r) => r.answeredPerSecond).sort((a, b) => a - b);
        return v[Math.floor(v.length / 2)]!;
      };
      const k = median(kiln.name);
      const l = median(node.name);
      // The first burst after a server starts, apart: it was once far slower than the later ones.
      const first = (name: string): number => results.find((r) => r.server === name)!.answeredPerSecond;
      const line =
        `SYN burst (native): ${kiln.name} ${k.toFixed(0)} SYNs/s answered (median; first burst ${first(kiln.name).toFixed(0)}), ` +
        `Linux listener ${l.toFixed(0)} SYNs/s (first ${first(node.name).toFixed(0)}), ratio ${(k / l).toFixed(3)}`;
      writeFileSync(join(RESULTS, 'syn-burst.json'), `${JSON.stringify({ date: new Date().toISOString(), results, ratio: k / l }, null, 1)}\n`);
      console.log(line);
      return 0;
    }
    if (args.attack) {
      for (const mem of args.mems) {
        const server = await start(kilnName(args.target, mem), kilnCommand(args.target, image, mem), KILN_URL);
        try {
          attacks.push(await attackRun(server, KILN_URL, mem, args.quick));
          console.log(JSON.stringify(attacks.at(-1)));
        } finally {
          await server.stop();
        }
      }
      const node = await start('Node.js http hello', nodeCommand(), NODE_URL);
      try {
        attacks.push(await attackRun(node, NODE_URL, null, args.quick));
        console.log(JSON.stringify(attacks.at(-1)));
      } finally {
        await node.stop();
      }
    }
    if (args.soak) {
      for (const mem of args.mems) {
        const server = await start(kilnName(args.target, mem), kilnCommand(args.target, image, mem), KILN_URL);
        try {
          const soak = await soakRun(server, `soak${args.target === 'hvt' ? '-hvt' : ''}-${mem}`, mem, args.soakSeconds);
          soaks.push(soak);
          console.log(`soak --mem=${mem}: ${soak.wrk}; non-200 outside the attack ${soak.errorsOutsideAttack}, during ${soak.non200DuringAttack}; chart ${soak.chart}`);
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await namespaceDown(NS);
  }
  const name = `slow-attack${args.target === 'hvt' ? '-hvt' : ''}${args.quick ? '-quick' : ''}`;
  writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify({ date: new Date().toISOString(), attacks, soaks: soaks.map((s) => ({ ...s, samples: s.samples })) }, null, 1)}\n`);
  const md = markdown(args.target, attacks, soaks);
  writeFileSync(join(RESULTS, `${name}.md`), `${md}\n`);
  console.log(md);
  return 0;
}
