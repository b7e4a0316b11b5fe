/**
 * Benchmarks of the hvt platform, side by side in one run, reported as
 * ratios (absolute times on a shared machine are noise):
 *   boot   the C hello image to its first console line and to exit, kiln-hvt
 *          against upstream solo5-hvt (same image) and solo5-spt (upstream's
 *          hello, spt has its own ABI);
 *   icmp   one-outstanding ICMP echo flood at 1, 512, 1024 and 1472 bytes of
 *          payload against the C net image: kiln-hvt with its frame rings
 *          against kiln-hvt without them and against solo5-hvt, with
 *          kiln-hvt's hypercalls per echo;
 *   block  512-byte sector reads from the guest against a host pread loop.
 * Upstream columns need KILN_UPSTREAM_SOLO5 (a built Solo5 tree).
 *
 *   npx vite-node platform-solo5/bench/run.ts [--quick] [--packets=N] [--reads=N]
 *
 * Runs where test/platform/kvm.ts finds KVM (this host, or the nested test
 * VM: then every number includes that emulation, and only ratios mean
 * anything).
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { OUT, TENDER, buildPlatform, image } from '../../test/platform/build.ts';
import { kvmPlace, runKvmCases, type KvmCase } from '../../test/harness/cases.ts';

const quick = process.argv.includes('--quick');
/** --packets=N / --reads=N override the counts (defaults: the seeds' 100,000). */
function countArg(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const n = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer`);
  return n;
}
const ROUNDS = quick ? 3 : 7;
const PACKETS = countArg('packets', quick ? 2000 : 100_000);
const READS = countArg('reads', quick ? 10_000 : 100_000);
const PAYLOADS = [1, 512, 1024, 1472];
const NETNS = 'kilnbench';
const TAP = 'kilnbtap0';
const GUEST_IP = '10.92.0.2';
const bench = (name: string): string => join(OUT, 'platform-bench', name);

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

interface Upstream {
  hvt?: string;
  spt?: string;
  sptHello?: string;
  libs: string[];
}

async function findUpstream(): Promise<Upstream> {
  const root = process.env.KILN_UPSTREAM_SOLO5;
  const found: Upstream = { libs: [] };
  if (!root) return found;
  const hvt = join(root, 'tenders/hvt/solo5-hvt');
  const spt = join(root, 'tenders/spt/solo5-spt');
  const sptHello = join(root, 'tests/test_hello/test_hello.spt');
  if (await exists(hvt)) found.hvt = hvt;
  if ((await exists(spt)) && (await exists(sptHello))) Object.assign(found, { spt, sptHello });
  for (const tender of [found.hvt, found.spt].filter((t): t is string => !!t)) {
    const { stdout } = await promisify(execFile)('ldd', [tender]);
    for (const m of stdout.matchAll(/=> (\S*libseccomp[^\s]*)/g)) if (!found.libs.includes(m[1]!)) found.libs.push(m[1]!);
  }
  return found;
}

/** Tenders to compare, as the shell runs them in the VM's working directory. */
function tenders(u: Upstream): { name: string; run: string }[] {
  const list = [{ name: 'kiln-hvt', run: './kiln-hvt' }];
  if (u.hvt) list.push({ name: 'solo5-hvt', run: 'env LD_LIBRARY_PATH=. ./solo5-hvt' });
  return list;
}

function bootCases(u: Upstream): KvmCase[] {
  const cmds = tenders(u).map((t) => ({ name: t.name, run: `./launch-timer ${t.run} hello.hvt` }));
  if (u.spt) cmds.push({ name: 'solo5-spt', run: './launch-timer env LD_LIBRARY_PATH=. ./solo5-spt test_hello.spt' });
  const cases: KvmCase[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order each round so neither side always runs warm.
    const order = r % 2 === 0 ? cmds : [...cmds].reverse();
    for (const c of order) cases.push({ name: `boot.${c.name}.${r}`, run: c.run });
  }
  return cases;
}

const WARMUP = 20;

/** ICMP sides: kiln-hvt with its frame rings, without them, and upstream. */
function icmpTenders(u: Upstream): { name: string; run: string }[] {
  const list = [
    { name: 'kiln-hvt', run: 'env KILN_HVT_STATS=1 ./kiln-hvt' },
    { name: 'kiln-hvt-noring', run: 'env KILN_HVT_STATS=1 KILN_HVT_NET_RING=0 ./kiln-hvt' },
  ];
  if (u.hvt) list.push({ name: 'solo5-hvt', run: 'env LD_LIBRARY_PATH=. ./solo5-hvt' });
  return list;
}

function netCases(u: Upstream): KvmCase[] {
  const cases: KvmCase[] = [
    {
      name: 'net.up',
      run:
        `ip netns add ${NETNS} && ip netns exec ${NETNS} ip tuntap add ${TAP} mode tap && ` +
        `ip netns exec ${NETNS} ip link set ${TAP} up && ip netns exec ${NETNS} ip addr add 10.92.0.1/24 dev ${TAP}`,
    },
  ];
  // The image stops itself after the last echo, so kiln-hvt can print its
  // hypercall counts; upstream's tender is stopped with a signal.
  for (const size of PAYLOADS)
    for (const t of icmpTenders(u))
      cases.push({
        name: `icmp.${t.name}.${size}`,
        run:
          `ip netns exec ${NETNS} ${t.run} --net:service=${TAP} net.hvt --ipv4=${GUEST_IP} --limit=${WARMUP + PACKETS} >/dev/null & pid=$!; sleep 1; ` +
          `ip netns exec ${NETNS} ./echo-flood ${GUEST_IP} ${WARMUP} ${size} >/dev/null; ` + // ARP and warm-up
          `ip netns exec ${NETNS} ./echo-flood ${GUEST_IP} ${PACKETS} ${size}; sleep 0.5; kill $pid 2>/dev/null; wait $pid; true`,
      });
  cases.push({ name: 'net.down', run: `ip netns del ${NETNS}` });
  return cases;
}

function blockCases(u: Upstream): KvmCase[] {
  const cases: KvmCase[] = [{ name: 'blk.setup', run: 'dd if=/dev/urandom of=bench.img bs=1024 count=4096 2>/dev/null' }];
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of tenders(u))
      cases.push({ name: `block.${t.name}.${r}`, run: `${t.run} --block:storage=bench.img blkread.hvt --count=${READS}` });
    cases.push({ name: `block.pread.${r}`, run: `./pread-loop bench.img ${READS} 512` });
  }
  return cases;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function field(output: string, key: string): number {
  const m = new RegExp(`${key}=(\\d+)`).exec(output);
  if (!m) throw new Error(`no ${key}= in: ${output}`);
  return Number(m[1]);
}

type Row = [string, string, string, string];

async function main(): Promise<number> {
  const place = await kvmPlace();
  if ('skip' in place) {
    console.log(`skipped: ${place.skip}`);
    return 0;
  }
  await buildPlatform();
  const u = await findUpstream();
  if (!u.hvt) console.log('note: upstream columns skipped: set KILN_UPSTREAM_SOLO5 to a built Solo5 tree');
  const files = [
    TENDER,
    image('hello'),
    image('net'),
    bench('blkread.hvt'),
    bench('launch-timer'),
    bench('echo-flood'),
    bench('pread-loop'),
    ...[u.hvt, u.spt, u.sptHello].filter((f): f is string => !!f),
    ...u.libs,
  ];
  const cases = [...bootCases(u), ...blockCases(u), ...netCases(u)];
  const results = await runKvmCases(files, cases, 4 * 60 * 60_000);
  const samples = (prefix: string, key: string): number[] =>
    [...results].filter(([n]) => n.startsWith(prefix)).map(([, r]) => field(r.output, key));

  const rows: Row[] = [['benchmark', 'kiln-hvt', 'baseline', 'kiln-hvt / baseline']];
  const ms = (ns: number): string => `${(ns / 1e6).toFixed(2)} ms`;
  for (const [what, key] of [
    ['boot to first line', 'first_output_ns'],
    ['boot to exit', 'exit_ns'],
  ] as const) {
    const kiln = median(samples('boot.kiln-hvt.', key));
    for (const other of ['solo5-hvt', 'solo5-spt']) {
      const s = samples(`boot.${other}.`, key);
      if (s.length) rows.push([what, ms(kiln), `${other} ${ms(median(s))}`, (kiln / median(s)).toFixed(2)]);
    }
    if (!u.hvt) rows.push([what, ms(kiln), '(no upstream)', '-']);
  }
  const perRead = (prefix: string): number =>
    median([...results].filter(([n]) => n.startsWith(prefix)).map(([, r]) => field(r.output, 'elapsed_ns') / field(r.output, 'reads')));
  const kilnRead = perRead('block.kiln-hvt.');
  const hostRead = perRead('block.pread.');
  const us = (ns: number): string => `${(ns / 1e3).toFixed(2)} us/read`;
  rows.push([`${READS} block reads, 512 B`, us(kilnRead), `host pread ${us(hostRead)}`, (kilnRead / hostRead).toFixed(2)]);
  if (u.hvt) {
    const up = perRead('block.solo5-hvt.');
    rows.push([`${READS} block reads, 512 B`, us(kilnRead), `solo5-hvt ${us(up)}`, (kilnRead / up).toFixed(2)]);
  }
  for (const size of PAYLOADS) {
    const run = (t: string): string => results.get(`icmp.${t}.${size}`)!.output;
    const rate = (t: string): number => field(run(t), 'received') / (field(run(t), 'elapsed_ns') / 1e9);
    // Hypercalls per echo (request in, reply out), warm-up included.
    const perEcho = (t: string): string => {
      const total = /hypercalls:.* total=(\d+)/.exec(run(t));
      return total ? `, ${(Number(total[1]) / (WARMUP + PACKETS)).toFixed(1)} calls/echo` : '';
    };
    const cell = (t: string): string => {
      const lost = field(run(t), 'lost');
      return `${Math.round(rate(t))} pkt/s${perEcho(t)}${lost ? `, ${lost} lost` : ''}`;
    };
    const label = `ICMP echo ${PACKETS} x ${size} B`;
    // Throughput: higher is better, so the ratio is kiln / baseline too.
    rows.push([label, cell('kiln-hvt'), `no rings ${cell('kiln-hvt-noring')}`, (rate('kiln-hvt') / rate('kiln-hvt-noring')).toFixed(2)]);
    if (u.hvt) rows.push([label, cell('kiln-hvt'), `solo5-hvt ${cell('solo5-hvt')}`, (rate('kiln-hvt') / rate('solo5-hvt')).toFixed(2)]);
  }

  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`\nhvt platform benchmarks (${quick ? 'quick' : 'full'}; KVM on ${place.where === 'vm' ? 'the nested test VM' : 'this host'}; medians of ${ROUNDS} alternating rounds)`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log('times: lower is better; packets/s: higher is better.');
  return 0;
}

process.exitCode = await main();
