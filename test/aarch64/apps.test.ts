// TypeScript apps as aarch64 hvt images (`kiln build --arch aarch64`:
// QuickJS, the runtime and the bindings cross-built), booted by the aarch64
// kiln-hvt in the emulated aarch64 machine, one boot for every case:
// hello's output and exit status, a bad boot argument, an exception thrown
// out of start reported with its TypeScript lines, random bytes seeded from
// the CPU's RNDRRS, examples/pipeline (fork and a pipe between
// unikernels, from TypeScript), `ping -c 20` and a
// TCP echo answered by the TypeScript stack from a namespace there, and the
// Block, Clock, Console and Random contract suites inside an image against
// the solo5 drivers (test/images/contract-app.ts).

import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildImage } from '../../cli/image.ts';
import { BLOCK_POOL, PERSIST_DEVICE, suites, type PooledDevice, type SuiteName } from '../images/contract-app.ts';
import { markedLine } from '../images/marked-line.ts';
import { type MachineResult, caseResult, OUT, ROOT, TENDER, lockedMake, machineUnavailable, runCases } from './machine.ts';

const skip = await machineUnavailable();
if (skip) console.warn(`SKIPPED: aarch64 TypeScript app images: needs ${skip}`);

const APPS = join(OUT, 'test-apps');
const NETNS = 'kilna64apps';
const TAP = 'kilntap2';
const HOST_IP = '10.93.0.1';
const PING_IP = '10.93.0.2';
const ECHO_IP = '10.93.0.3';
const PINGS = 20;
const THROW_APP = join(ROOT, 'test/images/throw-app.ts');
const ECHO_BYTES = 1024 * 1024;
const PIPELINE_BYTES = 1024 * 1024;

const inNs = (command: string): string => `ip netns exec ${NETNS} ${command}`;
const devices = [...BLOCK_POOL, PERSIST_DEVICE];
const makeFile = (d: PooledDevice): string => `dd if=/dev/zero of=${d.name}.img bs=${d.sectorSize} count=${d.sectors} 2>/dev/null`;
const attach = devices.map((d) => `--block:${d.name}=${d.name}.img --block-sector-size:${d.name}=${d.sectorSize}`).join(' ');
// Bounded, so a hung image fails its case instead of the whole run.
const contract = (args: string): string => `timeout 900 ./kiln-hvt --mem=32 ${attach} contract.hvt ${args}`.trim();

const cases = [
  { name: 'hello', run: './kiln-hvt --mem=16 hello.hvt' },
  { name: 'hello-bad-arg', run: './kiln-hvt --mem=16 hello.hvt --bogus=1' },
  { name: 'throw-start', run: './kiln-hvt --mem=16 throw.hvt --where=start' },
  { name: 'pipeline', run: `timeout 600 ./kiln-hvt --mem=64 pipeline.hvt --bytes=${PIPELINE_BYTES}` },
  { name: 'random', run: './kiln-hvt --mem=16 random.hvt && ./kiln-hvt --mem=16 random.hvt' },
  {
    name: 'netns-up',
    run:
      `ip netns add ${NETNS} && ${inNs('ip link set lo up')} && ${inNs(`ip tuntap add ${TAP} mode tap`)} && ` +
      `${inNs(`ip link set ${TAP} up`)} && ${inNs(`ip addr add ${HOST_IP}/24 dev ${TAP}`)}`,
  },
  {
    name: 'ping',
    run:
      `${inNs(`./kiln-hvt --mem=16 --net:service=${TAP} ping.hvt --ipv4=${PING_IP}/24 --seconds=600`)} & pid=$!; ` +
      `sleep 3; ${inNs(`ping -c ${PINGS} -i 0.2 -W 10 ${PING_IP}`)}; status=$?; kill $pid; wait $pid; exit $status`,
  },
  {
    name: 'echo',
    run:
      `${inNs(`./kiln-hvt --mem=16 --net:service=${TAP} echo.hvt --ipv4=${ECHO_IP}/24 --port=7`)} & pid=$!; ` +
      `sleep 3; ${inNs(`timeout 600 ./tcp-roundtrip ${ECHO_IP} 7 ${ECHO_BYTES}`)}; status=$?; kill $pid; wait $pid; exit $status`,
  },
  { name: 'netns-down', run: `ip netns del ${NETNS}` },
  { name: 'disks', run: devices.map(makeFile).join(' && ') },
  { name: 'contracts', run: contract('') },
  { name: 'reboot', run: contract('--check-persisted') },
];

/** Case names per suite, from the suites themselves (listing them runs nothing). */
const expected = Object.entries(suites({})) as [SuiteName, { name: string }[]][];

let results: Map<string, MachineResult>;
const result = (name: string): MachineResult => caseResult(results, name);
const lines = (name: string): string[] => result(name).output.split('\n');

describe.skipIf(skip !== null)('aarch64: TypeScript apps as hvt images under kiln-hvt (emulated machine)', () => {
  beforeAll(async () => {
    mkdirSync(APPS, { recursive: true });
    // Built under the shared lock first, so the builds buildImage starts find
    // nothing left to do while other test files build too.
    await lockedMake('runtime', 'host', 'image-libs', 'ARCH=aarch64');
    await lockedMake('platform-solo5', 'ARCH=aarch64');
    const images: string[] = [];
    // One after another: each build runs make, and the machine is shared.
    for (const app of ['hello', 'ping', 'echo', 'pipeline']) {
      images.push((await buildImage(join(ROOT, 'examples', app, 'app.ts'), 'aarch64', join(APPS, `${app}.hvt`))).path);
    }
    images.push((await buildImage(join(ROOT, 'test/images/contract-app.ts'), 'aarch64', join(APPS, 'contract.hvt'))).path);
    images.push((await buildImage(join(import.meta.dirname, 'random-app.ts'), 'aarch64', join(APPS, 'random.hvt'))).path);
    images.push((await buildImage(THROW_APP, 'aarch64', join(APPS, 'throw.hvt'))).path);
    const client = join(APPS, 'tcp-roundtrip');
    await promisify(execFile)('aarch64-linux-gnu-gcc', [
      '-Wall', '-Wextra', '-O2', '-static', '-o', client, join(ROOT, 'test/images/tcp-roundtrip.c'),
    ]);
    results = await runCases([TENDER, client, ...images], cases, 30 * 60_000);
  }, 45 * 60_000);

  it('boots hello in 16 MB, prints its line and both clocks, exits 0', () => {
    const r = result('hello');
    expect(r.output).toContain('Hello from Kiln!');
    expect(r.output).toMatch(/monotonic clock: \d+ ns since boot/);
    expect(r.output).toMatch(/wall clock: 20\d\d-\d\d-\d\dT/);
    expect(r.status).toBe(0);
  });

  it('refuses a bad boot argument with one line naming it, exit status 2', () => {
    const r = result('hello-bad-arg');
    expect(r.output).toContain('hello: --bogus: unknown argument');
    expect(r.status).toBe(2);
  });

  it('prints the TypeScript file and line of each frame when start throws, exit status 1', () => {
    const at = (fn: string, mark: string): string => `    at ${fn} (test/images/throw-app.ts:${markedLine(THROW_APP, mark)})`;
    const lines = result('throw-start').output.split('\n');
    expect(lines).toContain('throw: Uncaught Error: start failed on purpose');
    expect(lines).toContain(at('failOnPurpose', 'throw'));
    expect(lines).toContain(at('start', 'start'));
    expect(result('throw-start').status).toBe(1);
  });

  it('runs examples/pipeline: a forked child verifies count and FNV-1a through a pipe, EOF and EPIPE show', () => {
    const out = result('pipeline').output;
    expect(out).toMatch(new RegExp(`pipeline: ${PIPELINE_BYTES} bytes, FNV-1a 0x[0-9a-f]{8}, verified by the child`));
    expect(out).toContain('parent: report pipe at end of file (the child closed its write end)');
    expect(out).toContain('parent: write after the child exited failed with EPIPE (no read end open anywhere), as expected');
    expect(result('pipeline').status).toBe(0);
  });

  // QEMU's "max" CPU has FEAT_RNG, and KVM passes it to the guest.
  it('seeds its random generator from RNDRRS; two boots draw different bytes', () => {
    const r = result('random');
    expect(r.output.match(/random source: rndrrs/g)).toHaveLength(2);
    const draws = [...r.output.matchAll(/random bytes: ([0-9a-f]{32})/g)].map((m) => m[1]);
    expect(draws).toHaveLength(2);
    expect(draws[0]).not.toBe(draws[1]);
    expect(r.status).toBe(0);
  });

  it(`answers ping -c ${PINGS} from the namespace with the TypeScript stack`, () => {
    const r = result('ping');
    expect(r.output).toContain(`ping: answering ICMP echo on ${PING_IP}/24 (static)`);
    expect(r.output).toMatch(new RegExp(`${PINGS} packets transmitted, ${PINGS} (packets )?received`));
    expect(r.status).toBe(0);
  });

  it('echoes 1 MiB over TCP from a Linux client byte-exact', () => {
    const r = result('echo');
    expect(r.output).toContain(`${ECHO_BYTES} bytes echoed byte-exact`);
    expect(r.status).toBe(0);
  });

  it('removes its namespace', () => {
    expect(result('netns-up').status).toBe(0);
    expect(result('netns-down').status).toBe(0);
  });

  for (const [suite, list] of expected) {
    it(`passes all ${list.length} cases of the ${suite} contract inside the image`, () => {
      expect(result('disks').status).toBe(0);
      const out = lines('contracts');
      expect(out.filter((l) => l.startsWith(`FAIL ${suite}: `))).toEqual([]);
      expect(out.filter((l) => l.startsWith(`PASS ${suite}: `))).toEqual(list.map((c) => `PASS ${suite}: ${c.name}`));
    });
  }

  it('runs every contract case once and exits 0; a second boot reads what the first flushed', () => {
    const total = expected.reduce((n, [, list]) => n + list.length, 0);
    expect(lines('contracts')).toContain(`SUMMARY passed=${total} failed=0`);
    expect(result('contracts').status).toBe(0);
    expect(lines('reboot')).toContain('PASS persist: a second boot reads what the first wrote and flushed');
    expect(result('reboot').status).toBe(0);
  });
});
