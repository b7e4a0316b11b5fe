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
 */
import { buildPlatform } from '../../test/platform/build.ts';
import type { Benchmark, BenchCase } from '../benchmark.ts';
import { benchBundle, benchImage } from './build.ts';
import { HELLO_APP, HELLO_BUNDLE, HELLO_IMAGE } from './hello.ts';
import { hostProgramFiles, viaLoader } from './host-programs.ts';
import { field, KvmBatch, kvmMissing, kvmWhere, platformFile, TENDER } from './kvm-batch.ts';

const SIDES = {
  kiln: { name: 'hello image (TypeScript)', run: `./launch-timer ./kiln-hvt --mem=16 ${HELLO_IMAGE}` },
  c: { name: 'C hello image', run: './launch-timer ./kiln-hvt --mem=16 hello.hvt' },
  node: { name: 'node + unix bundle', run: `./launch-timer ${viaLoader(process.execPath)} ${HELLO_BUNDLE}` },
} as const;
type SideKey = keyof typeof SIDES;

export const bootBenchmark: Benchmark = {
  name: 'boot',
  title: `Boot of hello, tender start to first line and to exit (${await kvmWhere()})`,
  unit: 'ms',
  better: 'lower',
  missing: kvmMissing,
  async cases(mode) {
    const [kilnImage, bundle] = await Promise.all([benchImage(HELLO_APP, HELLO_IMAGE), benchBundle(HELLO_APP, HELLO_BUNDLE), buildPlatform()]);
    const files = [TENDER, kilnImage, platformFile('tests/hello.hvt'), platformFile('platform-bench/launch-timer'), bundle, ...(await hostProgramFiles([process.execPath]))];
    const order: SideKey[] = ['kiln', 'c', 'node'];
    const batch = new KvmBatch(
      {
        name: 'boot',
        files,
        round: (r) => (r % 2 === 0 ? order : [...order].reverse()).map((key) => ({ name: `boot.${key}.${r}`, run: SIDES[key].run })),
        timeoutMs: 60 * 60_000,
      },
      mode.rounds,
    );
    const ms = (key: string) => (output: string) => {
      if (field(output, 'status') !== 0) throw new Error(`boot: the program failed: ${output}`);
      return field(output, key) / 1e6;
    };
    const side = (key: SideKey, what: string) => batch.side(SIDES[key].name, (r) => `boot.${key}.${r}`, ms(what));
    const cases: BenchCase[] = [];
    for (const [label, what] of [
      ['to first line', 'first_output_ns'],
      ['to exit', 'exit_ns'],
    ] as const) {
      cases.push({ label: `${label}, against C`, kiln: side('kiln', what), baseline: side('c', what) });
      cases.push({ label: `${label}, against node`, kiln: side('kiln', what), baseline: side('node', what) });
    }
    return cases;
  },
};
