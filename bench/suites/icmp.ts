/**
 * The seeds' network benchmark: an ICMP echo flood from the host side of a
 * tap, one request outstanding at a time (platform-solo5/bench/echo_flood.c),
 * at 1, 512, 1024 and 1472 bytes of payload, reported as packets per second.
 *
 * Kiln: examples/ping as an hvt image (the TypeScript stack answers).
 * Baseline: platform-solo5's C net test image (a bare Solo5 ICMP responder).
 * Both run under kiln-hvt at once, each on its own tap in one namespace
 * made for the run, and the floods alternate between them round by round.
 * Further comparison, where KILN_UPSTREAM_SOLO5 names a Solo5 build: the
 * same C image under upstream solo5-hvt, on a third tap, in the same rounds.
 * Full mode sends the seeds' 100,000 packets per sample, quick mode 300.
 */
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';
import { buildPlatform } from '../../test/platform/build.ts';
import type { Benchmark } from '../benchmark.ts';
import { benchImage } from './build.ts';
import { alternate, field, KvmBatch, kvmMissing, kvmWhere, platformFile, TENDER } from './kvm-batch.ts';
import { inNs, netnsDown, netnsUp, startServer, stopServer } from './netns.ts';
import { UPSTREAM_NAME, upstreamFiles, upstreamHvt, upstreamSide } from './upstream.ts';

const NS = 'kilnbicmp';
const PAYLOADS = [1, 512, 1024, 1472];
const SERVERS = {
  kiln: { name: 'ping image (TypeScript stack)', tap: 'kilnbi0', net: '10.94.0', image: 'ping.hvt --ipv4=10.94.0.2/24' },
  c: { name: 'C net image', tap: 'kilnbi1', net: '10.95.0', image: 'net.hvt --ipv4=10.95.0.2' },
  upstream: { name: `C net image under ${UPSTREAM_NAME}`, tap: 'kilnbi2', net: '10.93.0', image: 'net.hvt --ipv4=10.93.0.2' },
} as const;
type ServerKey = keyof typeof SERVERS;

const flood = (key: ServerKey, packets: number, size: number): string =>
  inNs(NS, `./echo-flood ${SERVERS[key].net}.2 ${packets} ${size}`);

/** Replies per second of one flood; lost requests count against it (they cost their timeout). */
function rate(output: string): number {
  return field(output, 'received') / (field(output, 'elapsed_ns') / 1e9);
}

export const icmpBenchmark: Benchmark = {
  name: 'icmp',
  title: `ICMP echo flood from the host over a tap (${await kvmWhere()})`,
  unit: 'packets/s',
  better: 'higher',
  missing: kvmMissing,
  async cases(mode) {
    const [ping, upstream] = await Promise.all([benchImage(join(repoRoot, 'examples', 'ping', 'app.ts'), 'ping.hvt'), upstreamHvt(), buildPlatform()]);
    const packets = mode.quick ? 300 : 100_000;
    const tender: Partial<Record<ServerKey, string>> = { kiln: './kiln-hvt', c: './kiln-hvt', ...('run' in upstream && { upstream: upstream.run }) };
    const keys = Object.keys(tender) as ServerKey[];
    const batch = new KvmBatch(
      {
        name: 'icmp',
        files: [TENDER, ping, platformFile('tests/net.hvt'), platformFile('platform-bench/echo-flood'), ...upstreamFiles(upstream)],
        setup: [
          { name: 'icmp.up', run: netnsUp(NS, keys.map((k) => ({ name: SERVERS[k].tap, hostCidr: `${SERVERS[k].net}.1/24` }))) },
          ...keys.map((k) => ({
            name: `icmp.start.${k}`,
            run: `${startServer(k, inNs(NS, `${tender[k]!} --mem=32 --net:service=${SERVERS[k].tap} ${SERVERS[k].image}`))}; sleep 2; ${flood(k, 20, 64)}`,
          })),
        ],
        round: (r) => PAYLOADS.flatMap((size) => alternate(r, ...keys).map((k) => ({ name: `icmp.${k}.${size}.${r}`, run: flood(k, packets, size) }))),
        teardown: [
          ...keys.map((k) => ({ name: `icmp.stop.${k}`, run: stopServer(k) })),
          { name: 'icmp.down', run: netnsDown(NS) },
        ],
        timeoutMs: 12 * 60 * 60_000,
      },
      mode,
    );
    const side = (k: ServerKey, size: number) => batch.side(SERVERS[k].name, (r) => `icmp.${k}.${size}.${r}`, rate);
    return PAYLOADS.map((size) => ({
      label: `${packets} x ${size} B payload`,
      kiln: side('kiln', size),
      baseline: side('c', size),
      extra: upstreamSide(upstream, SERVERS.upstream.name, () => side('upstream', size)),
    }));
  },
};
