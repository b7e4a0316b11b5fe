/**
 * The HTTP server's strict-parsing suite, bundled and run inside QuickJS
 * (quickjs-emscripten): proves lib/http needs nothing QuickJS lacks (Node
 * APIs, TextEncoder/TextDecoder, global timers), as images require.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { getQuickJS } from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';
import { strictParsingCases } from './strict-parsing.suite.ts';

describe('lib/http inside QuickJS', () => {
  it('passes the strict-parsing suite with no host APIs but two report functions', async () => {
    const bundle = await build({
      entryPoints: [join(__dirname, 'quickjs-entry.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2020',
      platform: 'neutral',
      logLevel: 'silent',
    });
    const code = bundle.outputFiles[0]!.text;
    const QuickJS = await getQuickJS();
    const vm = QuickJS.newContext();
    const lines: string[] = [];
    let failed = -1;
    try {
      for (const global of ['TextEncoder', 'TextDecoder', 'setTimeout', 'process', 'Buffer']) {
        expect(vm.dump(vm.unwrapResult(vm.evalCode(`typeof ${global}`))), global).toBe('undefined');
      }
      const report = vm.newFunction('report', (line) => {
        lines.push(vm.getString(line));
      });
      vm.setProp(vm.global, 'report', report);
      report.dispose();
      const finished = vm.newFunction('finished', (count) => {
        failed = vm.getNumber(count);
      });
      vm.setProp(vm.global, 'finished', finished);
      finished.dispose();
      vm.unwrapResult(vm.evalCode(code, 'suite.js')).dispose();
      // Everything is promise jobs (the suite's clock is virtual); bounded rounds.
      for (let round = 0; round < 10_000 && failed < 0; round++) {
        const jobs = vm.runtime.executePendingJobs();
        if (jobs.error) {
          const message = vm.dump(jobs.error);
          jobs.error.dispose();
          throw new Error(`uncaught in QuickJS: ${JSON.stringify(message)}`);
        }
      }
    } finally {
      vm.dispose();
    }
    expect(lines.filter((l) => !l.startsWith('PASS '))).toEqual([]);
    expect(failed).toBe(0);
    expect(lines).toEqual(strictParsingCases().map((c) => `PASS ${c.name}`));
  });
});
