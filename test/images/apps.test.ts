// TypeScript apps as hvt images (`kiln build`: QuickJS, the runtime and the
// bindings, cross-built for aarch64), booted by kiln-hvt with real KVM for
// each architecture (on this host if it has /dev/kvm for it, else in that
// architecture's emulated machine; one boot per architecture for every
// case, so the contract suites share it too):
// - hello's output, a bad boot argument, stack traces that name the
//   TypeScript sources when an image fails, random bytes from the CPU's
//   generator, the Web-standard globals (web-app.ts);
// - ping answered and a TCP stream echoed byte-exact by the TypeScript
//   stack, from a namespace with a tap that the test creates and deletes,
//   with kiln-hvt's net offload (large TCP segments both ways) and with
//   --net-offload:service=off (plain frames);
// - the Block, Clock, Console and Random contract suites inside an image
//   against the solo5 drivers (contract-app.ts), and a second boot reading
//   back what the first flushed.
// Fork and pipe images, examples/pipeline included, run in test/fork.

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildImage, hasCryptoLibs } from '../../cli/image.ts';
import { ARCHES } from '../../machine/arch.ts';
import { caseResult, kvmSkip, runKvmCases, testArches, type KvmCase, type KvmCaseResult } from '../harness/cases.ts';
import { imageToolsMissing } from '../harness/compiler.ts';
import { untilPingAnswers } from '../harness/shell.ts';
import type { VmArch } from '../../machine/vm.ts';
import { ROOT, buildPlatform, lockedMake, outDir, tender } from '../platform/build.ts';
import { BLOCK_POOL, PERSIST_DEVICE, suites, type PooledDevice, type SuiteName } from './contract-app.ts';
import { markedLine } from './marked-line.ts';
import { kilnHeadersCases } from '../../lib/web/testdata/headers-wpt.ts';

const NETNS = 'kilnapps';
const TAP = 'kilntap1';
const HOST_IP = '10.92.0.1';
const PING_IP = '10.92.0.2';
const ECHO_IP = '10.92.0.3';
const THROW_APP = join(import.meta.dirname, 'throw-app.ts');
const THROWS = ['start', 'timer', 'rejection', 'caught'] as const;

/**
 * What differs between the architectures. aarch64's machine emulates a
 * slower CPU, so its network cases move less.
 */
interface ArchCases {
  pings: number;
  pingInterval: string;
  echoBytes: number;
  /** Where the runtime's generator takes its seed from (the CPU's RNG instruction). */
  randomSource: RegExp;
}

const ARCH: Record<VmArch, ArchCases> = {
  x86_64: { pings: 100, pingInterval: '0.02', echoBytes: 16 << 20, randomSource: /^(rdseed|rdrand)$/ },
  aarch64: { pings: 20, pingInterval: '0.2', echoBytes: 1 << 20, randomSource: /^rndrrs$/ },
};

const inNs = (command: string): string => `ip netns exec ${NETNS} ${command}`;
const devices = [...BLOCK_POOL, PERSIST_DEVICE];
const makeFile = (d: PooledDevice): string => `dd if=/dev/zero of=${d.name}.img bs=${d.sectorSize} count=${d.sectors} 2>/dev/null`;
const attach = devices.map((d) => `--block:${d.name}=${d.name}.img --block-sector-size:${d.name}=${d.sectorSize}`).join(' ');
// Bounded, so a hung image fails its case instead of the whole run.
const contract = (args: string): string => `timeout 900 ./kiln-hvt --mem=32 ${attach} contract.hvt ${args}`.trim();
const serve = (app: string, ip: string, args: string, tenderArgs = ''): string =>
  inNs(`./kiln-hvt --mem=16 --net:service=${TAP} ${tenderArgs} ${app}.hvt --ipv4=${ip}/24 ${args}`);
/** The echo case with (tenderArgs); KILN_HVT_STATS=1 has the tender count its hypercalls on exit. */
const echoCase = (name: string, echoBytes: number, tenderArgs: string): KvmCase => ({
  name,
  run:
    `KILN_HVT_STATS=1 ${serve('echo', ECHO_IP, '--port=7', tenderArgs)} & pid=$!; ` +
    `${untilPingAnswers(NETNS, ECHO_IP)}; ${inNs(`timeout 600 ./tcp-roundtrip ${ECHO_IP} 7 ${echoBytes}`)}; status=$?; kill $pid; wait $pid; exit $status`,
});

function cases(arch: VmArch): KvmCase[] {
  const { pings, pingInterval, echoBytes } = ARCH[arch];
  return [
    { name: 'hello', run: './kiln-hvt --mem=16 hello.hvt' },
    { name: 'hello-bad-arg', run: './kiln-hvt --mem=16 hello.hvt --bogus=1' },
    ...THROWS.map((where) => ({ name: `throw-${where}`, run: `./kiln-hvt --mem=16 throw.hvt --where=${where}` })),
    { name: 'random', run: './kiln-hvt --mem=16 random.hvt && ./kiln-hvt --mem=16 random.hvt' },
    { name: 'web', run: './kiln-hvt --mem=32 web.hvt' },
    {
      name: 'netns-up',
      run:
        `ip netns add ${NETNS} && ${inNs('ip link set lo up')} && ${inNs(`ip tuntap add ${TAP} mode tap`)} && ` +
        `${inNs(`ip link set ${TAP} up`)} && ${inNs(`ip addr add ${HOST_IP}/24 dev ${TAP}`)}`,
    },
    {
      name: 'ping',
      run:
        `KILN_HVT_STATS=1 ${serve('ping', PING_IP, '--seconds=600')} & pid=$!; ` +
        `${untilPingAnswers(NETNS, PING_IP)}; ${inNs(`ping -c ${pings} -i ${pingInterval} -W 10 ${PING_IP}`)}; status=$?; kill $pid; ` +
        // Frames for the stack the stop request closed, while the app's timer keeps it running.
        `${inNs(`ping -c 3 -i 0.2 -W 1 ${PING_IP}`)} >/dev/null; wait $pid; exit $status`,
    },
    echoCase('echo', echoBytes, ''),
    echoCase('echo-plain', echoBytes, '--net-offload:service=off'),
    { name: 'netns-down', run: `ip netns del ${NETNS}` },
    { name: 'disks', run: devices.map(makeFile).join(' && ') },
    { name: 'contracts', run: contract('') },
    { name: 'reboot', run: contract('--check-persisted') },
  ];
}

/** Builds the images and the Linux TCP client for arch; returns every file the cases need. */
async function build(arch: VmArch): Promise<string[]> {
  const apps = join(outDir(arch), 'test-apps');
  mkdirSync(apps, { recursive: true });
  // With two make jobs under the shared lock first, so the builds buildImage
  // starts find nothing left to do.
  await lockedMake('runtime', 'host', 'image-libs', `ARCH=${arch}`);
  await buildPlatform(arch);
  const sources: Record<string, string> = {
    hello: join(ROOT, 'examples/hello/app.ts'),
    ping: join(ROOT, 'examples/ping/app.ts'),
    echo: join(ROOT, 'examples/echo/app.ts'),
    throw: THROW_APP,
    random: join(import.meta.dirname, 'random-app.ts'),
    web: join(import.meta.dirname, 'web-app.ts'),
    contract: join(import.meta.dirname, 'contract-app.ts'),
  };
  const files = [tender(arch)];
  // One after another: each build runs make, and the machine is shared.
  for (const [name, source] of Object.entries(sources)) files.push((await buildImage(source, arch, join(apps, `${name}.hvt`))).path);
  const client = join(apps, 'tcp-roundtrip');
  await promisify(execFile)(ARCHES[arch].cc, ['-Wall', '-Wextra', '-O2', '-static', '-o', client, join(import.meta.dirname, 'tcp-roundtrip.c')]);
  return [...files, client];
}

/** Case names per suite, from the suites themselves (listing them runs nothing). */
const expected = Object.entries(suites({})) as [SuiteName, { name: string }[]][];

for (const arch of testArches()) {
  const skip = await kvmSkip(arch, 'TypeScript app images under kiln-hvt', await imageToolsMissing(arch));
  const { pings, echoBytes, randomSource } = ARCH[arch];
  let results: Map<string, KvmCaseResult>;
  const result = (name: string): KvmCaseResult => caseResult(results, name);
  const lines = (name: string): string[] => result(name).output.split('\n');
  /** Checks web-app.ts's `web NAME: RESULT` lines against `expected` (NAME to RESULT), all of them at once. */
  const expectWebLines = (expected: Record<string, string>): void => {
    const web = new Map([...result('web').output.matchAll(/^web ([\w-]+): (.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
    expect(Object.fromEntries(Object.keys(expected).map((name) => [name, web.get(name)]))).toEqual(expected);
  };

  describe.skipIf(skip !== null)(`${arch}: TypeScript apps as hvt images under kiln-hvt`, () => {
    beforeAll(async () => {
      results = await runKvmCases(await build(arch), cases(arch), 30 * 60_000, arch);
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

    const at = (fn: string, mark: string): string => `    at ${fn} (test/images/throw-app.ts:${markedLine(THROW_APP, mark)})`;

    it('prints the TypeScript file and line of each frame when start throws, exit status 1', () => {
      const r = result('throw-start');
      expect(lines('throw-start')).toEqual(
        expect.arrayContaining(['throw: Uncaught Error: start failed on purpose', at('failOnPurpose', 'throw'), at('start', 'start')]),
      );
      expect(r.status).toBe(1);
    });

    it('names the TypeScript lines for an exception in a timer and an unhandled rejection', () => {
      expect(lines('throw-timer')).toEqual(
        expect.arrayContaining(['Uncaught Error: a timer failed on purpose', at('failOnPurpose', 'throw'), at('<anonymous>', 'timer')]),
      );
      expect(result('throw-timer').status).toBe(1);
      expect(lines('throw-rejection')).toEqual(
        expect.arrayContaining(['Uncaught (in promise) Error: a promise failed on purpose', at('failOnPurpose', 'throw'), at('<anonymous>', 'rejection')]),
      );
      expect(result('throw-rejection').status).toBe(1);
    });

    it('gives app code an err.stack that starts with "Name: message" and names the TypeScript lines, as on Node', () => {
      const out = result('throw-caught').output.replace(/\r/g, '');
      const frames = [at('failOnPurpose', 'throw'), at('printCaught', 'caught'), at('start', 'print-caught')];
      const body = ['Error: a caught call failed on purpose', ...frames].join('\n');
      expect(out).toContain(`caught stack:\n${body}\n    at runApp (drivers/boot.ts:`);
      expect(out).toMatch(/\(drivers\/boot\.ts:\d+\)\ncaught stack end\n/);
      // console.log of an error prints its stack once, header included.
      expect(out).toContain(`caught logged: ${body}\n`);
      // A subclass naming itself after super(): the header shows the name it ended up with.
      expect(out).toContain(`subclass stack:\nCheckError: checked\n${at('CheckError', 'subclass')}\n`);
      expect(result('throw-caught').status).toBe(0);
    });

    it("seeds its random generator from the CPU's generator; two boots draw different bytes", () => {
      const r = result('random');
      const sources = [...r.output.matchAll(/random source: (\S+)/g)].map((m) => m[1]);
      expect(sources).toHaveLength(2);
      for (const source of sources) expect(source).toMatch(randomSource);
      const draws = [...r.output.matchAll(/random bytes: ([0-9a-f]{32})/g)].map((m) => m[1]);
      expect(draws).toHaveLength(2);
      expect(draws[0]).not.toBe(draws[1]);
      expect(r.status).toBe(0);
    });

    it('gives app code the Web-standard globals of lib/web, the WPT URL parsing data passing whole under QuickJS', () => {
      const cases = (JSON.parse(readFileSync(join(ROOT, 'lib/web/testdata/urltestdata.json'), 'utf8')) as unknown[]).filter((c) => typeof c === 'object');
      expectWebLines({
        'url-wpt': `${cases.length}/${cases.length}`,
        url: 'https://user@example.com/x?a=1&b=two+words#h',
        'search-params': '[["k","v"],["k","w"],["e","€"]]',
        headers: '[["x-one","1, 2"]]',
        request: '["POST","http://example.test/items","text/plain;charset=UTF-8",{"id":7}]',
        response: '[201,true,"chunk-1 chunk-2",15]',
        'response-json': '{"ok":true}',
        'abort-timeout': '["TimeoutError",true]',
        event: 'ping',
        base64: '["S2lsbg==","Kiln"]',
        'structured-clone': '[true,true,"one","1970-01-01T00:00:00.000Z"]',
        uuid: 'v4',
        'user-agent': 'Kiln',
      });
    });

    it('sets the Web globals on globalThis (feature detection finds them, not enumerable), with the runtime\'s microtasks, clock and random bytes', () => {
      expectWebLines({ 'global-this': '[]', 'global-this-same': '[true,true,false]', 'runtime-globals': '[true,true,8,"function"]' });
    });

    it('runs streams, forms and crypto.subtle inside QuickJS: WPT Headers cases, backpressure, pipeThrough, multipart, FIPS 180/RFC 4231 vectors', () => {
      const r = result('web');
      expect(r.output).not.toMatch(/^web (headers-wpt|subtle)-fail/m);
      // SHA-2 and HMAC in the runtime's mbedtls where the build linked it (hasCryptoLibs); SHA-1 in @noble.
      const sha2 = hasCryptoLibs(arch) ? 'mbedtls' : '@noble';
      expectWebLines({
        'headers-wpt': `${kilnHeadersCases.length}/${kilnHeadersCases.length}`,
        // Two queued of a high-water mark of two: -1; after the first write, one in flight and one queued: 0.
        writable: '[[-1,0],false,["a","b"]]',
        'pipe-through': 'PIPED € THROUGH',
        'form-data': '[true,"Kiln","data.bin","application/x-bin",[0,1,2,255]]',
        blob: '[6,"é",["1"]]',
        'subtle-vectors': '33/33',
        'subtle-backend': JSON.stringify(['@noble', sha2, sha2, sha2]),
        'subtle-errors': 'NotSupportedError',
      });
      expect(r.status).toBe(0);
    });

    it(`answers ping -c ${pings} from the namespace with the TypeScript stack`, () => {
      const r = result('ping');
      expect(r.output).toContain(`ping: answering ICMP echo on ${PING_IP}/24 (static)`);
      expect(r.output).toMatch(new RegExp(`${pings} packets transmitted, ${pings} (packets )?received`));
      expect(r.status).toBe(0);
    });

    it('sleeps in its exits after the stop request closed its stack, though its timer keeps it running (frames still arriving are read and dropped)', () => {
      // An echo costs about one exit; the rest are start-up and the wait after the stop. The three pings
      // sent after it, left unread on the closed device, used to end every yield at once: about 10^5
      // exits in the grace period.
      const polls = Number(/ poll=(\d+)/.exec(result('ping').output)?.[1]);
      expect(polls).toBeGreaterThan(0);
      expect(polls).toBeLessThan(pings * 3 + 200);
    });

    it(`echoes ${echoBytes >> 20} MiB over TCP from a Linux client byte-exact, in large segments both ways (net offload)`, () => {
      const r = result('echo');
      expect(r.output).toContain(`${echoBytes} bytes echoed byte-exact`);
      expect(r.output).toMatch(/hypercalls:.* net_offload=1 /);
      // Sent as large segments, and received ones the tender held back for a plain read.
      expect(Number(/ net_write_segments=(\d+)/.exec(r.output)?.[1] ?? 0)).toBeGreaterThan(0);
      expect(Number(/ net_read=(\d+)/.exec(r.output)?.[1] ?? 0)).toBeGreaterThan(0);
      expect(r.output).toContain('large segments refused 0, received frames dropped 0');
      expect(r.status).toBe(0);
    });

    it(`echoes ${echoBytes >> 20} MiB byte-exact with --net-offload:service=off, in plain frames`, () => {
      const r = result('echo-plain');
      expect(r.output).toContain(`${echoBytes} bytes echoed byte-exact`);
      expect(r.output).toMatch(/hypercalls: /);
      expect(r.output).not.toMatch(/net_write_segments=|net_read=/);
      expect(r.output).toContain('large segments refused 0, received frames dropped 0');
      expect(r.status).toBe(0);
    });

    it('removes its namespace', () => {
      expect(result('netns-up').status).toBe(0);
      expect(result('netns-down').status).toBe(0);
    });

    for (const [suite, list] of expected) {
      it(`passes all ${list.length} cases of the ${suite} contract inside the image`, () => {
        expect(result('disks').status).toBe(0);
        expect(lines('contracts').filter((l) => l.startsWith(`FAIL ${suite}: `))).toEqual([]);
        expect(lines('contracts').filter((l) => l.startsWith(`PASS ${suite}: `))).toEqual(list.map((c) => `PASS ${suite}: ${c.name}`));
      });
    }

    it('runs every contract case once and exits 0', () => {
      const total = expected.reduce((n, [, list]) => n + list.length, 0);
      expect(lines('contracts')).toContain(`SUMMARY passed=${total} failed=0`);
      expect(result('contracts').status).toBe(0);
    });

    it("the console suite's lines reach the tender's console", () => {
      const out = lines('contracts');
      expect(out).toContain('hello, kiln');
      expect(out).toContain('[warn] shown');
      expect(out).toContain('[info] line 99');
      expect(out).not.toContain('[info] hidden');
    });

    it('a second boot over the same files reads what the first boot wrote and flushed', () => {
      expect(lines('contracts')).toContain('PASS persist: write and flush for the second boot');
      expect(lines('reboot')).toContain('PASS persist: a second boot reads what the first wrote and flushed');
      expect(result('reboot').status).toBe(0);
    });
  });
}
