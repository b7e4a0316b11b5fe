// The C fork test images (platform-solo5/tests/fork.c, forkdev.c) under
// kiln-hvt with real KVM: a VM fork with a copy-on-write guest, exit
// statuses, nested forks, a 4 MiB stream through a pipe between unikernels
// with end-of-file and EPIPE, refusals, the child limit, and the child's
// devices. Runs on this host when it has /dev/kvm, else in the x86_64 test
// VM; skipped loudly when neither exists.

import { beforeAll, describe, expect, it } from 'vitest';

import { TENDER, buildPlatform, image } from '../platform/build.ts';
import { type KvmCaseResult, kvmPlace, runKvmCases } from '../platform/kvm.ts';

const place = await kvmPlace();
const skip = 'skip' in place ? place.skip : null;
if (skip) console.warn(`SKIPPED: kiln-hvt fork image tests: ${skip}`);

// Bounded, so a hung child fails its case instead of the whole run.
const cases = [
  { name: 'fork-64m', run: 'timeout 300 env KILN_HVT_STATS=1 ./kiln-hvt --mem=64 fork.hvt' },
  { name: 'fork-limit', run: 'timeout 600 ./kiln-hvt --mem=16 fork.hvt --limit=1' },
  // Devices of a child: block shared, net refused (plain calls, so the
  // refusal can be reported), in a namespace of its own with a tap.
  {
    name: 'forkdev',
    run:
      'ip netns add kilnfork && ip netns exec kilnfork ip tuntap add kilnfork0 mode tap && ' +
      'ip netns exec kilnfork ip link set kilnfork0 up && dd if=/dev/zero of=forkdev.img bs=512 count=8 2>/dev/null && ' +
      'ip netns exec kilnfork env KILN_HVT_NET_RING=0 timeout 120 ./kiln-hvt --net:service=kilnfork0 ' +
      '--block:storage=forkdev.img forkdev.hvt; s=$?; ip netns del kilnfork; exit $s',
  },
  // Nothing is left behind: every child tender was waited for.
  { name: 'no-orphans', run: 'sleep 1; ps -e -o comm= | grep -c kiln-hvt || true' },
];

let results: Map<string, KvmCaseResult>;

describe.skipIf(skip !== null)('fork and pipe image under kiln-hvt (real KVM)', () => {
  beforeAll(async () => {
    await buildPlatform();
    results = await runKvmCases([TENDER, image('fork'), image('forkdev')], cases, 20 * 60_000);
  }, 25 * 60_000);

  const result = (name: string): KvmCaseResult => {
    const r = results.get(name);
    if (!r) throw new Error(`no result for ${name}`);
    return r;
  };

  it('forks, copies memory, reports statuses, nests, pipes with EOF and EPIPE', () => {
    const r = result('fork-64m');
    for (const line of [
      'refusals: bad ends, buffers and ids',
      'fork: memory copied, status 42 seen',
      'fork: nested fork, status 15 seen',
      'pipe: 4 MiB from child to parent, then end-of-file',
      'pipe: EPIPE after the last read end closed',
      'SUCCESS',
    ])
      expect(r.output).toContain(line);
    expect(r.output).not.toContain('FAILED');
    expect(r.output).toMatch(/hypercalls: .*fork=\d+ wait=\d+ pipe_create=\d+/);
    expect(r.status).toBe(0);
  });

  it('refuses a fork beyond the child limit, and forks again once children are waited for', () => {
    const r = result('fork-limit');
    expect(r.output).toContain('fork: the child limit holds and frees up');
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it("shares the block device with a child and refuses it the parent's network device", () => {
    const r = result('forkdev');
    expect(r.output).toContain('forkdev: block shared with the child, net refused to it');
    expect(r.status).toBe(0);
  });

  it('leaves no tender running', () => {
    expect(result('no-orphans').output.trim()).toBe('0');
  });
});
