/**
 * TCP bulk transfer through an image: a Linux client in a namespace made for
 * the run sends a stream and reads the echo back, byte-exact
 * (test/images/tcp-roundtrip.c), reported in MB/s of the stream.
 *
 * Kiln: examples/echo as an hvt image under kiln-hvt, over a tap (the
 * TypeScript stack on the far side), with kiln-hvt's net offload (large TCP
 * segments both ways). Baseline: Linux to Linux in the same namespace, the
 * same client against a C echo server over loopback (tcp_echo_server.c), so
 * both sides pay the same client. Further side, in the same rounds: the same
 * image on a second tap with --net-offload:service=off (plain frames, as
 * before the offload existed).
 */
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';
import { buildPlatform } from '../../test/platform/build.ts';
import type { Benchmark } from '../benchmark.ts';
import { benchImage, benchProgram } from './build.ts';
import { alternate, KvmBatch, kvmMissing, kvmWhere, TENDER } from './kvm-batch.ts';
import { inNs, netnsDown, netnsUp, startServer, stopServer } from './netns.ts';

const NS = 'kilnbtcp';
const TAP = 'kilnbt0';
const PLAIN_TAP = 'kilnbt1';
const MiB = 1024 * 1024;
const TARGETS = {
  kiln: { name: 'echo image (TypeScript stack)', address: '10.96.0.2', port: 7 },
  linux: { name: 'Linux echo server, loopback', address: '127.0.0.1', port: 7007 },
  plain: { name: 'echo image, plain frames (--net-offload=off)', address: '10.96.1.2', port: 7 },
} as const;
type TargetKey = keyof typeof TARGETS;

const roundtrip = (key: TargetKey, bytes: number): string =>
  inNs(NS, `./tcp-roundtrip ${TARGETS[key].address} ${TARGETS[key].port} ${bytes}`);
const echoImage = (key: 'kiln' | 'plain', tap: string, tenderArgs: string): string =>
  inNs(NS, `./kiln-hvt --mem=32 --net:service=${tap} ${tenderArgs} echo.hvt --ipv4=${TARGETS[key].address}/24 --port=${TARGETS[key].port}`);

/**
 * MB/s (10^6 bytes) of the stream. The client prints the time and the rate
 * to two decimals each; the larger of the two figures carries more digits.
 */
export function megabytesPerSecond(output: string): number {
  const m = /(\d+) bytes echoed byte-exact in ([\d.]+) s \(([\d.]+) MB\/s\)/.exec(output);
  if (!m) throw new Error(`tcp-image: no rate in: ${output}`);
  const [bytes, seconds, rate] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return rate >= seconds || seconds === 0 ? rate : bytes / 1e6 / seconds;
}

export const tcpImageBenchmark: Benchmark = {
  name: 'tcp-image',
  title: `TCP echo of a bulk stream through the echo image, against Linux to Linux (${await kvmWhere()})`,
  unit: 'MB/s',
  better: 'higher',
  missing: kvmMissing,
  async cases(mode) {
    const [echo, client, server] = await Promise.all([
      benchImage(join(repoRoot, 'examples', 'echo', 'app.ts'), 'echo.hvt'),
      benchProgram(join(repoRoot, 'test', 'images', 'tcp-roundtrip.c'), 'tcp-roundtrip'),
      benchProgram(join(repoRoot, 'bench', 'suites', 'tcp_echo_server.c'), 'tcp-echo-server'),
      buildPlatform(),
    ]);
    const bytes = (mode.quick ? 1 : 16) * MiB;
    const batch = new KvmBatch(
      {
        name: 'tcp-image',
        files: [TENDER, echo, client, server],
        setup: [
          {
            name: 'tcp.up',
            run: netnsUp(NS, [
              { name: TAP, hostCidr: '10.96.0.1/24' },
              { name: PLAIN_TAP, hostCidr: '10.96.1.1/24' },
            ]),
          },
          {
            name: 'tcp.start',
            run:
              `${startServer('kiln', echoImage('kiln', TAP, ''))}; ` +
              `${startServer('plain', echoImage('plain', PLAIN_TAP, '--net-offload:service=off'))}; ` +
              `${startServer('linux', inNs(NS, `./tcp-echo-server ${TARGETS.linux.address} ${TARGETS.linux.port}`))}; ` +
              `sleep 2; ${roundtrip('kiln', 65536)} && ${roundtrip('plain', 65536)} && ${roundtrip('linux', 65536)}`,
          },
        ],
        round: (r) => alternate<TargetKey>(r, 'kiln', 'linux', 'plain').map((k) => ({ name: `tcp.${k}.${r}`, run: roundtrip(k, bytes) })),
        teardown: [
          { name: 'tcp.stop', run: `${stopServer('kiln')}; ${stopServer('plain')}; ${stopServer('linux')}` },
          { name: 'tcp.down', run: netnsDown(NS) },
        ],
        timeoutMs: 6 * 60 * 60_000,
      },
      mode,
    );
    return [
      {
        label: `${bytes / MiB} MiB echoed`,
        kiln: batch.side(TARGETS.kiln.name, (r) => `tcp.kiln.${r}`, megabytesPerSecond),
        baseline: batch.side(TARGETS.linux.name, (r) => `tcp.linux.${r}`, megabytesPerSecond),
        extra: batch.side(TARGETS.plain.name, (r) => `tcp.plain.${r}`, megabytesPerSecond),
      },
    ];
  },
};
