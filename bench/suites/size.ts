/**
 * Image size: what it takes to ship the hello app. Kiln: the whole bootable
 * image (engine, runtime, bytecode, guest bindings). Baseline: what running
 * the same app on Node.js needs, the `node` executable plus the unix bundle
 * (Node's shared libraries not counted, in Node's favour).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage } from '../../cli/image.ts';
import { bundleApp } from '../../cli/bundle.ts';
import { repoRoot } from '../../cli/paths.ts';
import type { Benchmark } from '../benchmark.ts';

const APP = join(repoRoot, 'examples', 'hello', 'app.ts');
const OUT = join(repoRoot, 'build', 'bench', 'size');

export const sizeBenchmark: Benchmark = {
  name: 'size',
  title: 'Image size of hello',
  unit: 'bytes',
  better: 'lower',
  async missing() {
    return existsSync('/usr/lib/x86_64-linux-musl/libc.a') ? null : 'needs musl-dev (npm run setup)';
  },
  async cases() {
    const image = join(OUT, 'hello.hvt');
    const bundle = join(OUT, 'hello.mjs');
    await buildImage(APP, 'x86_64', image);
    await bundleApp(APP, 'unix', bundle);
    return [
      {
        label: 'hello',
        kiln: { name: 'hvt image', measure: async () => statSync(image).size },
        baseline: { name: 'node + bundle', measure: async () => statSync(process.execPath).size + statSync(bundle).size },
      },
    ];
  },
};
