/**
 * The stack runs inside images under QuickJS, not V8: this bundles a
 * scenario (quickjs.scenario.ts) the way images are bundled and runs it in
 * QuickJS (quickjs-emscripten), so a Node-only API or a V8-only behaviour in
 * lib/net fails here rather than inside an image.
 */
import { getQuickJS } from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';
import { bundleForQuickJS } from '../../test/support/quickjs-bundle.ts';

describe('the stack under QuickJS', () => {
  it('exchanges ICMP, UDP and TCP between two stacks on a lossy switch', async () => {
    const bundle = bundleForQuickJS(new URL('./quickjs.scenario.ts', import.meta.url));
    const vm = (await getQuickJS()).newContext();
    try {
      const evaluated = vm.evalCode(bundle);
      if (evaluated.error) throw new Error(`QuickJS: ${JSON.stringify(vm.dump(evaluated.error))}`);
      evaluated.value.dispose();
      let result = 'pending';
      // Bounded: each round runs every pending job; the scenario needs a few thousand.
      for (let round = 0; round < 1_000_000 && result === 'pending'; round++) {
        const jobs = vm.runtime.executePendingJobs();
        if (jobs.error) throw new Error(`QuickJS job: ${JSON.stringify(vm.dump(jobs.error))}`);
        const value = vm.getProp(vm.global, 'result');
        result = vm.dump(value) as string;
        value.dispose();
      }
      let sum = 0;
      for (let i = 0; i < 200_000; i++) sum = (sum + ((i * 7) & 255)) % 65521;
      expect(JSON.parse(result)).toEqual({ pingBytes: 3000, udp: [1, 2, 3], tcp: { length: 200_000, sum } });
    } finally {
      vm.dispose();
    }
  }, 300_000);
});
