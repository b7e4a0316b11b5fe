// Fork and pipe between unikernels under kiln-hvt with real KVM, for each
// architecture (on this host if it has /dev/kvm for it, else in that
// architecture's emulated machine; one boot per architecture for all its
// cases; skipped loudly when neither exists):
// - the C image (platform-solo5/tests/fork.c): a VM fork with a
//   copy-on-write guest, exit statuses, nested forks, a 4 MiB stream through
//   a pipe with end-of-file and EPIPE, two writers' and two readers' records
//   whole, refusals, the child limit (the child's devices are
//   fork-devices.test.ts's);
// - the Pipe and Fork contract suites inside a TypeScript image against the
//   solo5 drivers (contract-app.ts), every case, 64 MB through a pipe
//   included.

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildImage } from '../../cli/image.ts';
import type { Fork } from '../../lib/devices/fork.ts';
import type { Pipes } from '../../lib/devices/pipe.ts';
import { caseResult, kvmSkip, runKvmCases, testArches, type KvmCase, type KvmCaseResult } from '../harness/cases.ts';
import { expectPassed } from '../harness/expect-passed.ts';
import { imageToolsMissing } from '../harness/compiler.ts';
import { COUNT_TENDERS_HERE } from '../harness/tenders-here.ts';
import { buildPlatform, image, outDir, tender } from '../platform/build.ts';
import { suites } from './contract-app.ts';

const CONTRACT = 'pipe-fork-contract.hvt';

// Bounded, so a hung child fails its case instead of the whole run.
const cases: KvmCase[] = [
  { name: 'fork-64m', run: 'timeout 300 env KILN_HVT_STATS=1 ./kiln-hvt --mem=64 fork.hvt' },
  { name: 'fork-limit', run: 'timeout 600 ./kiln-hvt --mem=16 fork.hvt --limit=1' },
  { name: 'contracts', run: `timeout 900 ./kiln-hvt --mem=64 ${CONTRACT}` },
  // Nothing is left behind: every child tender was waited for.
  { name: 'no-orphans', run: `sleep 1; ${COUNT_TENDERS_HERE}` },
];

// Case names per suite. Listing runs nothing: devices that throw when touched prove it.
const untouched = new Proxy({}, {
  get() {
    throw new Error('listing the contract cases touched a device');
  },
});
const expected = Object.entries(suites(untouched as Pipes, untouched as Fork)).map(([suite, list]) => [suite, list.map((c) => c.name)] as const);

for (const arch of testArches()) {
  const skip = await kvmSkip(arch, 'fork and pipe images under kiln-hvt', await imageToolsMissing(arch));
  let results: Map<string, KvmCaseResult>;
  const result = (name: string): KvmCaseResult => caseResult(results, name);

  describe.skipIf(skip !== null)(`${arch}: fork and pipe images under kiln-hvt (real KVM)`, () => {
    beforeAll(async () => {
      await buildPlatform(arch);
      const contract = join(outDir(arch), 'test-apps', CONTRACT);
      await buildImage(join(import.meta.dirname, 'contract-app.ts'), arch, contract);
      results = await runKvmCases([tender(arch), image('fork', arch), contract], cases, 25 * 60_000, arch);
    }, 35 * 60_000);

    it('forks, copies memory, reports statuses, nests, pipes with EOF, EPIPE and whole records', () => {
      const r = result('fork-64m');
      for (const line of [
        'refusals: bad ends, buffers and ids',
        'fork: memory copied, status 42 seen',
        'fork: nested fork, status 15 seen',
        'pipe: 4 MiB from child to parent, then end-of-file',
        'pipe: EPIPE after the last read end closed',
        "pipe: two writers' 4096-byte writes arrive whole, in order",
        'pipe: two readers share the records, each whole, none lost',
        'SUCCESS',
      ])
        expect(r.output).toContain(line);
      expect(r.output).not.toContain('FAILED');
      expect(r.output).toMatch(/hypercalls: .*fork=\d+ wait=\d+ pipe_create=\d+/);
      expect(r.status).toBe(0);
    });

    it('refuses a fork beyond the child limit, and forks again once children are waited for', () => {
      expectPassed(result('fork-limit'), 'fork: the child limit holds and frees up');
    });

    for (const [suite, names] of expected) {
      it(`passes all ${names.length} cases of the ${suite} contract (forked scenarios included) with the solo5 drivers`, () => {
        const lines = result('contracts').output.split('\n');
        expect(lines.filter((l) => l.startsWith(`FAIL ${suite}: `))).toEqual([]);
        expect(lines.filter((l) => l.startsWith(`PASS ${suite}: `))).toEqual(names.map((name) => `PASS ${suite}: ${name}`));
      });
    }

    it('runs every contract case once and exits 0', () => {
      const lines = result('contracts').output.split('\n');
      const total = expected.reduce((n, [, names]) => n + names.length, 0);
      expect(lines).toContain(`SUMMARY passed=${total} failed=0`);
      expect(result('contracts').status).toBe(0);
    });

    it('leaves no tender running', () => {
      expect(result('no-orphans').output.trim()).toBe('0');
    });
  });
}
