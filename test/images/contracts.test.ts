// The Block, Clock, Console and Random contract suites inside an hvt image
// (test/images/contract-app.ts) against the solo5 drivers, booted by
// kiln-hvt with real KVM (this host, or the x86_64 test machine): every
// case of every suite passes, and a second boot over the same file reads
// back what the first wrote.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildImage } from '../../cli/image.ts';
import { TENDER } from '../platform/build.ts';
import { type KvmCaseResult, kvmPlace, runKvmCases } from '../platform/kvm.ts';
import { BLOCK_POOL, PERSIST_DEVICE, suites, type PooledDevice, type SuiteName } from './contract-app.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'build', 'x86_64', 'test-apps');
const IMAGE = join(OUT, 'contract.hvt');

const place = await kvmPlace();
const skip = 'skip' in place ? place.skip : null;
if (skip) console.warn(`SKIPPED: contract suites inside an hvt image: ${skip}`);

const devices = [...BLOCK_POOL, PERSIST_DEVICE];
const makeFile = (d: PooledDevice): string => `dd if=/dev/zero of=${d.name}.img bs=${d.sectorSize} count=${d.sectors} 2>/dev/null`;
const attach = devices.map((d) => `--block:${d.name}=${d.name}.img --block-sector-size:${d.name}=${d.sectorSize}`).join(' ');
// Bounded, so a hung image fails its case instead of the whole VM run.
const boot = (args: string): string => `timeout 900 ./kiln-hvt --mem=32 ${attach} contract.hvt ${args}`.trim();

const cases = [
  { name: 'disks', run: devices.map(makeFile).join(' && ') },
  { name: 'contracts', run: boot('') },
  { name: 'reboot', run: boot('--check-persisted') },
];

/** Case names per suite, from the suites themselves (listing them runs nothing). */
const expected = Object.entries(suites({})) as [SuiteName, { name: string }[]][];

let results: Map<string, KvmCaseResult>;

describe.skipIf(skip !== null)('contract suites inside an hvt image, solo5 drivers', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    await buildImage(join(import.meta.dirname, 'contract-app.ts'), 'x86_64', IMAGE);
    results = await runKvmCases([TENDER, IMAGE], cases, 30 * 60_000);
  }, 40 * 60_000);

  const lines = (name: string): string[] => results.get(name)!.output.split('\n');

  it('makes one zero-filled file per block device', () => {
    expect(results.get('disks')!.status).toBe(0);
  });

  for (const [suite, list] of expected) {
    it(`passes all ${list.length} cases of the ${suite} contract`, () => {
      const out = lines('contracts');
      const failures = out.filter((l) => l.startsWith(`FAIL ${suite}: `));
      expect(failures).toEqual([]);
      const passed = out.filter((l) => l.startsWith(`PASS ${suite}: `));
      expect(passed).toEqual(list.map((c) => `PASS ${suite}: ${c.name}`));
    });
  }

  it('runs every case once and exits 0', () => {
    const total = expected.reduce((n, [, list]) => n + list.length, 0);
    expect(lines('contracts')).toContain(`SUMMARY passed=${total} failed=0`);
    expect(results.get('contracts')!.status).toBe(0);
  });

  it("the console suite's lines reach the tender's console", () => {
    const out = lines('contracts');
    expect(out).toContain('hello, kiln');
    expect(out).toContain('[warn] shown');
    expect(out).toContain('[info] line 99');
    expect(out).not.toContain('[info] hidden');
  });

  it('a second boot over the same file reads what the first boot wrote and flushed', () => {
    expect(lines('contracts')).toContain('PASS persist: write and flush for the second boot');
    expect(lines('reboot')).toContain('PASS persist: a second boot reads what the first wrote and flushed');
    expect(results.get('reboot')!.status).toBe(0);
  });
});
