/**
 * Image size: what it takes to ship the hello app. Kiln: the whole bootable
 * image (engine, runtime, bytecode, guest bindings). Baseline: what running
 * the same app on Node.js needs, the `node` executable plus the unix bundle
 * (Node's shared libraries not counted, in Node's favour).
 */
import { existsSync, statSync } from 'node:fs';
import type { Benchmark } from '../benchmark.ts';
import { benchBundle, benchImage } from './build.ts';
import { HELLO_APP, HELLO_BUNDLE, HELLO_IMAGE } from './hello.ts';

export const sizeBenchmark: Benchmark = {
  name: 'size',
  title: 'Image size of hello',
  unit: 'bytes',
  better: 'lower',
  async missing() {
    return existsSync('/usr/lib/x86_64-linux-musl/libc.a') ? null : 'needs musl-dev (npm run setup)';
  },
  async cases() {
    const [image, bundle] = await Promise.all([benchImage(HELLO_APP, HELLO_IMAGE), benchBundle(HELLO_APP, HELLO_BUNDLE)]);
    return [
      {
        label: 'hello',
        kiln: { name: 'hvt image', measure: async () => statSync(image).size },
        baseline: { name: 'node + bundle', measure: async () => statSync(process.execPath).size + statSync(bundle).size },
      },
    ];
  },
};
