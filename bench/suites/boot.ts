/**
 * Boot time of the hello app: from starting the tender to the first console
 * line, and to exit (platform-solo5/bench/launch_timer.c measures both and
 * swallows the output, so console speed does not count).
 *
 * Kiln: examples/hello as an hvt image under kiln-hvt. Baselines, in the
 * same machine and batch: the C hello image of platform-solo5 under kiln-hvt
 * (what the engine, runtime and bytecode add to a bare Solo5 guest), and
 * `node` running the same app's unix bundle (what a Node deployment pays).
 * Node goes into the machine with its libraries and loader (host-programs.ts).
 * Further comparison of the "against C" cases, where KILN_UPSTREAM_SOLO5
 * names a Solo5 build: the C hello image under upstream solo5-hvt.
 */
import { buildPlatform } from '../../test/platform/build.ts';
import type { Benchmark, BenchCase } from '../benchmark.ts';
import { benchBundle, benchImage } from './build.ts';
import { HELLO_APP, HELLO_BUNDLE, HELLO_IMAGE } from './hello.ts';
import { hostProgramFiles, viaLoader } from './host-programs.ts';
import { alternate, field, KvmBatch, kvmMissing, kvmWhere, platformFile, TENDER } from './kvm-batch.ts';
import { UPSTREAM_NAME, upstreamFiles, upstreamHvt, upstreamSide } from './upstream.ts';

const NAMES = {
  kiln: 'hello image (TypeScript)',
  c: 'C hello image',
  node: 'node + unix bundle',
  upstream: `C hello image under ${UPSTREAM_NAME}`,
} as const;
type SideKey = keyof typeof NAMES;

export const bootBenchmark: Benchmark = {
  name: 'boot',
  title: `Boot of hello, tender start to first line and to exit (${await kvmWhere()})`,
  unit: 'ms',
  better: 'lower',
  missing: kvmMissing,
  async cases(mode) {
    const [kilnImage, bundle, node, upstream] = await Promise.all([
      benchImage(HELLO_APP, HELLO_IMAGE),
      benchBundle(HELLO_APP, HELLO_BUNDLE),
      hostProgramFiles([process.execPath]),
      upstreamHvt(),
      buildPlatform(),
    ]);
    const files = [TENDER, kilnImage, platformFile('tests/hello.hvt'), platformFile('platform-bench/launch-timer'), bundle, ...node, ...upstreamFiles(upstream)];
    const run: Partial<Record<SideKey, string>> = {
      kiln: `./launch-timer ./kiln-hvt --mem=16 ${HELLO_IMAGE}`,
      c: './launch-timer ./kiln-hvt --mem=16 hello.hvt',
      node: `./launch-timer ${viaLoader(process.execPath)} ${HELLO_BUNDLE}`,
      ...('run' in upstream && { upstream: `./launch-timer ${upstream.run} --mem=16 hello.hvt` }),
    };
    const order = Object.keys(run) as SideKey[];
    const batch = new KvmBatch(
      {
        name: 'boot',
        files,
        round: (r) => alternate(r, ...order).map((key) => ({ name: `boot.${key}.${r}`, run: run[key]! })),
        timeoutMs: 60 * 60_000,
      },
      mode,
    );
    const ms = (key: string) => (output: string) => {
      if (field(output, 'status') !== 0) throw new Error(`boot: the program failed: ${output}`);
      return field(output, key) / 1e6;
    };
    const side = (key: SideKey, what: string) => batch.side(NAMES[key], (r) => `boot.${key}.${r}`, ms(what));
    const cases: BenchCase[] = [];
    for (const [label, what] of [
      ['to first line', 'first_output_ns'],
      ['to exit', 'exit_ns'],
    ] as const) {
      const extra = upstreamSide(upstream, NAMES.upstream, () => side('upstream', what));
      cases.push({ label: `${label}, against C`, kiln: side('kiln', what), baseline: side('c', what), extra });
      cases.push({ label: `${label}, against node`, kiln: side('kiln', what), baseline: side('node', what) });
    }
    return cases;
  },
};
