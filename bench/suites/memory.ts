/**
 * The memory floor of the http example image: the smallest `--mem` (MiB) at
 * which a fresh boot under kiln-hvt answers, serves a whole short wrk run
 * with no socket error and no non-2xx answer, and is still running after
 * it. Found by bisection over boots, each round anew, in one boot of the
 * machine. Baseline: the peak resident memory (VmHWM, what `ps -o rss` shows
 * at its highest) of a fresh Node.js `http` hello server serving the same
 * load in the same namespace and machine (http-peers.ts).
 *
 * The first case's two figures are not the same kind: the image's is all
 * the memory its VM is given (code, heap, stack, buffers), Node's the pages
 * it touched. So a second case puts like with like: the peak resident set
 * of the kiln-hvt process (tender plus the guest pages touched) in the boot
 * at the floor, against Node's.
 */
import type { Benchmark, Mode } from '../benchmark.ts';
import { awaitAnswer, CONNECTIONS, httpBatchFiles, HOST_CIDR, IMAGE_NAME, IMAGE_ENDPOINT, imageServer, NODE_ENDPOINT, NODE_NAME, urlOf, nodeServer, NS, TAP } from './http-peers.ts';
import { alternate, field, KvmBatch, kvmMissing, kvmWhere } from './kvm-batch.ts';
import { inNs, netnsDown, netnsUp } from './netns.ts';
import { wrkCleanCondition, wrkCommand, type WrkLoad } from './wrk.ts';

/** The search's bounds: LOW is taken to fail (the tender refuses 2 MiB and below), HIGH must serve. */
const LOW_MIB = 1;
const HIGH_MIB = 64;
/** Tried first: the floor has been 8-10 MiB, so the search usually starts below 16 MiB and saves two boots. */
const FIRST_MIB = 16;
/** Quick mode's 2 s, not less: on a loaded host a 1 s run of the emulated machine could finish no request at all. */
const loadFor = (mode: Mode): WrkLoad => ({ connections: CONNECTIONS, seconds: mode.quick ? 2 : 5 });
/** How close the search gets (MiB): to the MiB in full mode; quick mode, which only shows that the harness works, saves boots. */
const stepFor = (mode: Mode): number => (mode.quick ? 8 : 1);

/** sh: the peak resident set (VmHWM, KiB) of the process PID. */
const PEAK_KIB = (pid: string): string => `awk '/^VmHWM:/ { print $2 }' /proc/${pid}/status`;

/**
 * sh: `serves M` boots the image with M MiB, puts the load on it and says
 * whether it came through; then bisection until the bounds are STEP apart,
 * below FIRST_MIB if that serves, else below HIGH_MIB. Prints one line per
 * boot and `floor_mib=N`.
 */
function imageFloorScript(load: WrkLoad, step: number): string {
  return [
    'serves() {',
    `  ${imageServer('$1')} >image.log 2>&1 & pid=$!`,
    '  ok=0; why="never answered"',
    `  if ${awaitAnswer(IMAGE_ENDPOINT, '$pid')}; then`,
    `    ${inNs(NS, wrkCommand(load, urlOf(IMAGE_ENDPOINT)))} >wrk.out 2>&1`,
    `    if ! { ${wrkCleanCondition('wrk.out')}; }; then why="wrk: $(grep -e 'Socket errors:' -e 'Non-2xx' -e 'requests in' wrk.out | tr -s ' \\n' ' ')"`,
    '    elif ! kill -0 $pid 2>/dev/null; then why="the image stopped"',
    '    else ok=1; why=""; fi',
    '  fi',
    `  hwm=$(${PEAK_KIB('$pid')} 2>/dev/null)`,
    '  kill $pid 2>/dev/null; wait $pid 2>/dev/null',
    '  echo "mem_mib=$1 serves=$ok hwm_kib=$hwm $why"',
    // What the image said when it failed, for the reader of the output.
    `  [ $ok = 1 ] || grep -v '^ *at ' image.log | tail -n 2 | sed 's/^/  image: /'`,
    '  [ $ok = 1 ]',
    '}',
    `lo=${LOW_MIB}; hi=${FIRST_MIB}`,
    `if serves $hi; then floor_hwm=$hwm; else lo=$hi; hi=${HIGH_MIB}; serves $hi && floor_hwm=$hwm || { echo "the image does not serve the load even with $hi MiB"; cat wrk.out image.log; exit 1; }; fi`,
    `while [ $((hi - lo)) -gt ${step} ]; do mid=$(((lo + hi) / 2)); if serves $mid; then hi=$mid; floor_hwm=$hwm; else lo=$mid; fi; done`,
    'echo "floor_mib=$hi floor_hwm_kib=$floor_hwm"',
  ].join('\n');
}

/** sh: a fresh Node server under the same load; prints its peak resident set as `hwm_kib=N`. */
function nodePeakScript(load: WrkLoad): string {
  return [
    `${nodeServer} >node.log 2>&1 & pid=$!`,
    `${awaitAnswer(NODE_ENDPOINT, '$pid')} || { echo "node never answered"; cat node.log; exit 1; }`,
    `${inNs(NS, wrkCommand(load, urlOf(NODE_ENDPOINT)))} >wrk.out 2>&1`,
    `${wrkCleanCondition('wrk.out')} || { echo "node did not serve the load cleanly"; cat wrk.out; exit 1; }`,
    `echo "hwm_kib=$(${PEAK_KIB('$pid')})"`,
    'kill $pid; wait $pid 2>/dev/null; true',
  ].join('\n');
}

export const memoryBenchmark: Benchmark = {
  name: 'memory',
  title: `Memory to serve wrk's load on hello: the http image's smallest --mem against Node.js http's peak RSS (${await kvmWhere()})`,
  unit: 'MiB',
  better: 'lower',
  missing: kvmMissing,
  async cases(mode) {
    const load = loadFor(mode);
    const step = stepFor(mode);
    const scripts = { kiln: imageFloorScript(load, step), node: nodePeakScript(load) };
    const batch = new KvmBatch(
      {
        name: 'memory',
        files: await httpBatchFiles(),
        setup: [{ name: 'memory.up', run: netnsUp(NS, [{ name: TAP, hostCidr: HOST_CIDR }]) }],
        round: (r) => alternate<keyof typeof scripts>(r, 'kiln', 'node').map((k) => ({ name: `memory.${k}.${r}`, run: scripts[k] })),
        teardown: [{ name: 'memory.down', run: netnsDown(NS) }],
        timeoutMs: 2 * 60 * 60_000,
      },
      mode,
    );
    const nodePeakMib = (output: string): number => field(output, 'hwm_kib') / 1024;
    const lasting = `${load.connections} connections, ${load.seconds} s of load`;
    return [
      {
        label: `image: smallest --mem${step > 1 ? ` (to within ${step} MiB)` : ''}; Node: peak RSS (${lasting})`,
        kiln: batch.side(IMAGE_NAME, (r) => `memory.kiln.${r}`, (output) => {
          // The bisection's steps, so a reader sees where and why boots failed.
          console.log(`memory: bisection: ${output.trim().replace(/\n(?=mem_mib=|floor_mib=)/g, '; ').replace(/\n/g, ' ')}`);
          return field(output, 'floor_mib');
        }),
        baseline: batch.side(NODE_NAME, (r) => `memory.node.${r}`, nodePeakMib),
      },
      {
        label: `peak RSS of the process, kiln-hvt at that --mem (${lasting})`,
        kiln: batch.side(IMAGE_NAME, (r) => `memory.kiln.${r}`, (output) => field(output, 'floor_hwm_kib') / 1024),
        baseline: batch.side(NODE_NAME, (r) => `memory.node.${r}`, nodePeakMib),
      },
    ];
  },
};
