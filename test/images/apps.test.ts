// TypeScript apps as hvt images, booted by kiln-hvt with real KVM (on this
// host if it has /dev/kvm, else in the x86_64 test machine, one boot for all
// cases): hello's output, a bad boot argument, `ping -c 100` answered by the
// TypeScript stack, 16 MB through the echo image byte-exact, and stack traces
// that name the TypeScript sources when an image fails. Network
// cases run in a namespace with a tap that the test creates and deletes.

import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildImage } from '../../cli/image.ts';
import { TENDER } from '../platform/build.ts';
import { type KvmCaseResult, kvmPlace, runKvmCases } from '../platform/kvm.ts';
import { markedLine } from './marked-line.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'build', 'x86_64', 'test-apps');

const place = await kvmPlace();
const skip = 'skip' in place ? place.skip : null;
if (skip) console.warn(`SKIPPED: TypeScript app images under kiln-hvt: ${skip}`);

const NETNS = 'kilnapps';
const TAP = 'kilntap1';
const HOST_IP = '10.92.0.1';
const PING_IP = '10.92.0.2';
const ECHO_IP = '10.92.0.3';
const ECHO_BYTES = 16 * 1024 * 1024;
const THROW_APP = join(import.meta.dirname, 'throw-app.ts');
const THROWS = ['start', 'timer', 'rejection'] as const;

const inNs = (command: string): string => `ip netns exec ${NETNS} ${command}`;

const cases = [
  { name: 'hello', run: './kiln-hvt --mem=16 hello.hvt' },
  { name: 'hello-bad-arg', run: './kiln-hvt --mem=16 hello.hvt --bogus=1' },
  ...THROWS.map((where) => ({ name: `throw-${where}`, run: `./kiln-hvt --mem=16 throw.hvt --where=${where}` })),
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
      `sleep 2; ${inNs(`ping -c 100 -i 0.02 -W 10 ${PING_IP}`)}; status=$?; kill $pid; wait $pid; exit $status`,
  },
  {
    name: 'echo',
    run:
      `${inNs(`./kiln-hvt --mem=16 --net:service=${TAP} echo.hvt --ipv4=${ECHO_IP}/24 --port=7`)} & pid=$!; ` +
      `sleep 2; ${inNs(`./tcp-roundtrip ${ECHO_IP} 7 ${ECHO_BYTES}`)}; status=$?; kill $pid; wait $pid; exit $status`,
  },
  { name: 'netns-down', run: `ip netns del ${NETNS}` },
];

let results: Map<string, KvmCaseResult>;

describe.skipIf(skip !== null)('TypeScript apps as hvt images under kiln-hvt', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const images = await Promise.all(
      ['hello', 'ping', 'echo'].map(async (app) => {
        const path = join(OUT, `${app}.hvt`);
        await buildImage(join(ROOT, 'examples', app, 'app.ts'), 'x86_64', path);
        return path;
      }),
    );
    images.push((await buildImage(THROW_APP, 'x86_64', join(OUT, 'throw.hvt'))).path);
    const client = join(OUT, 'tcp-roundtrip');
    await promisify(execFile)('gcc', ['-Wall', '-Wextra', '-O2', '-static', '-o', client, join(import.meta.dirname, 'tcp-roundtrip.c')]);
    results = await runKvmCases([TENDER, client, ...images], cases, 20 * 60_000);
  }, 30 * 60_000);

  const result = (name: string): KvmCaseResult => results.get(name)!;

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
    const lines = r.output.split('\n');
    expect(lines).toContain('throw: Uncaught Error: start failed on purpose');
    expect(lines).toContain(at('failOnPurpose', 'throw'));
    expect(lines).toContain(at('start', 'start'));
    expect(r.status).toBe(1);
  });

  it('names the TypeScript lines for an exception in a timer and an unhandled rejection', () => {
    const timer = result('throw-timer');
    expect(timer.output.split('\n')).toEqual(expect.arrayContaining(['Uncaught Error: a timer failed on purpose', at('failOnPurpose', 'throw'), at('<anonymous>', 'timer')]));
    expect(timer.status).toBe(1);
    const rejection = result('throw-rejection');
    expect(rejection.output.split('\n')).toEqual(
      expect.arrayContaining(['Uncaught (in promise) Error: a promise failed on purpose', at('failOnPurpose', 'throw'), at('<anonymous>', 'rejection')]),
    );
    expect(rejection.status).toBe(1);
  });

  it('answers ping -c 100 from the namespace with the TypeScript stack', () => {
    const r = result('ping');
    expect(r.output).toContain(`ping: answering ICMP echo on ${PING_IP}/24 (static)`);
    expect(r.output).toMatch(/100 packets transmitted, 100 (packets )?received/);
    expect(r.status).toBe(0);
  });

  it('echoes 16 MB from a Linux client byte-exact', () => {
    const r = result('echo');
    expect(r.output).toContain(`${ECHO_BYTES} bytes echoed byte-exact`);
    expect(r.status).toBe(0);
  });

  it('removes its namespace', () => {
    expect(result('netns-up').status).toBe(0);
    expect(result('netns-down').status).toBe(0);
  });
});
