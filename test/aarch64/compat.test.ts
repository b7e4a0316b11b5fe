// Two-way compatibility with upstream Solo5 on aarch64, in the emulated
// aarch64 machine, against an upstream build the caller provides (never
// fetched here): KILN_UPSTREAM_SOLO5_AARCH64 names the root of a Solo5 tree
// cross-built for aarch64, with a static tenders/hvt/solo5-hvt (the machine
// has no libseccomp). One way to get it, outside the repository:
//   apt-get install libseccomp-dev:arm64
//   HOST_CC=aarch64-linux-gnu-gcc TARGET_CC=aarch64-linux-gnu-gcc \
//     TARGET_LD=aarch64-linux-gnu-ld TARGET_OBJCOPY=aarch64-linux-gnu-objcopy \
//     PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig ./configure.sh
//   cc -std=c11 -Iinclude elftool/elftool.c -o elftool/solo5-elftool  (it runs here)
//   make, then relink tenders/hvt/solo5-hvt with -static
// Upstream's test images run under kiln-hvt; Kiln's run under solo5-hvt.

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { caseResult, kvmPlace, runKvmCases, type KvmCaseResult } from '../harness/cases.ts';
import { buildPlatform, image, tender } from '../platform/build.ts';

const upstream = process.env.KILN_UPSTREAM_SOLO5_AARCH64;
const UPSTREAM_TESTS = ['hello', 'blk', 'net', 'fpu', 'time', 'tls', 'exception'];
const KILN_TESTS = ['hello', 'blk', 'net', 'fpu', 'time', 'trap'];

async function upstreamMissing(): Promise<string | null> {
  if (!upstream) return 'needs KILN_UPSTREAM_SOLO5_AARCH64 set to an upstream Solo5 tree built for aarch64';
  for (const f of ['tenders/hvt/solo5-hvt', ...UPSTREAM_TESTS.map((t) => `tests/test_${t}/test_${t}.hvt`)]) {
    try {
      await access(join(upstream, f));
    } catch {
      return `needs ${f} in KILN_UPSTREAM_SOLO5_AARCH64=${upstream}`;
    }
  }
  return null;
}

const place = await kvmPlace('aarch64');
const skip = (await upstreamMissing()) ?? ('skip' in place ? place.skip : null);
if (skip) console.warn(`SKIPPED: aarch64 Solo5 compatibility checks: ${skip}`);

const NETNS = 'kilna64cmp';
const TAP = 'kilncmp1';
const pingUnder = (tender: string, args: string): string =>
  `ip netns exec ${NETNS} ${tender} ${args} & pid=$!; sleep 2; ip netns exec ${NETNS} ping -c 5 -i 0.2 -W 5 10.0.0.2; ` +
  'ping=$?; kill $pid; wait $pid; [ $ping = 0 ]';

const cases = [
  {
    name: 'netns-up',
    run:
      `ip netns add ${NETNS} && ip netns exec ${NETNS} ip tuntap add ${TAP} mode tap && ` +
      `ip netns exec ${NETNS} ip link set ${TAP} up && ip netns exec ${NETNS} ip addr add 10.0.0.1/24 dev ${TAP}`,
  },
  // Upstream images under kiln-hvt.
  { name: 'up-hello', run: './kiln-hvt test_hello.hvt Hello_Solo5' },
  { name: 'up-fpu', run: './kiln-hvt test_fpu.hvt' },
  { name: 'up-time', run: './kiln-hvt test_time.hvt' },
  { name: 'up-tls', run: './kiln-hvt test_tls.hvt' },
  { name: 'up-exception', run: './kiln-hvt test_exception.hvt' },
  { name: 'up-blk', run: 'dd if=/dev/zero of=up.img bs=4096 count=256 2>/dev/null && ./kiln-hvt --block:storage=up.img test_blk.hvt' },
  { name: 'up-net', run: pingUnder('./kiln-hvt', `--net:service0=${TAP} test_net.hvt`) },
  // Kiln images under upstream solo5-hvt.
  { name: 'kiln-hello', run: './solo5-hvt --mem=64 hello.hvt from upstream' },
  { name: 'kiln-fpu', run: './solo5-hvt fpu.hvt' },
  { name: 'kiln-time', run: './solo5-hvt time.hvt' },
  { name: 'kiln-trap', run: './solo5-hvt trap.hvt' },
  { name: 'kiln-blk', run: `dd if=/dev/zero of=k.img bs=1024 count=256 2>/dev/null && ./solo5-hvt --block:storage=k.img blk.hvt` },
  { name: 'kiln-net', run: pingUnder('./solo5-hvt', `--net:service=${TAP} net.hvt --ipv4=10.0.0.2`) },
  { name: 'netns-down', run: `ip netns del ${NETNS}` },
];

let results: Map<string, KvmCaseResult>;
const result = (name: string): KvmCaseResult => caseResult(results, name);
const passes = (name: string): void => {
  expect(result(name).output).toContain('SUCCESS');
  expect(result(name).status).toBe(0);
};

describe.skipIf(skip !== null)('aarch64: two-way compatibility with upstream Solo5 (emulated machine)', () => {
  beforeAll(async () => {
    await buildPlatform('aarch64');
    const u = upstream!;
    results = await runKvmCases(
      [
        tender('aarch64'),
        join(u, 'tenders/hvt/solo5-hvt'),
        ...UPSTREAM_TESTS.map((t) => join(u, `tests/test_${t}/test_${t}.hvt`)),
        ...KILN_TESTS.map((t) => image(t, 'aarch64')),
      ],
      cases,
      20 * 60_000,
      'aarch64',
    );
  }, 20 * 60_000);

  it('upstream test_hello, test_fpu, test_time, test_tls and test_blk run under kiln-hvt', () => {
    expect(result('up-hello').output).toContain("Command line is: 'Hello_Solo5'");
    for (const t of ['up-hello', 'up-fpu', 'up-time', 'up-tls', 'up-blk']) passes(t);
  });

  it("upstream test_exception's own vectors report its fault under kiln-hvt", () => {
    expect(result('up-exception').output).toMatch(/Data Abort Address: 0x[0-9a-f]+/);
    expect(result('up-exception').status).toBe(255);
  });

  it('upstream test_net answers pings under kiln-hvt', () => {
    expect(result('netns-up').status).toBe(0);
    expect(result('up-net').output).toMatch(/5 packets transmitted, 5 (packets )?received/);
    expect(result('up-net').status).toBe(0);
  });

  it("Kiln's hello, fpu, time and blk run under upstream solo5-hvt", () => {
    expect(result('kiln-hello').output).toContain("Command line is: 'from upstream'");
    for (const t of ['kiln-hello', 'kiln-fpu', 'kiln-time', 'kiln-blk']) passes(t);
  });

  it("Kiln's vectors report a null write under upstream solo5-hvt", () => {
    expect(result('kiln-trap').output).toMatch(/Kiln: guest trap: data abort \(ESR 0x0*96[0-9a-f]+\) at pc=0x[0-9a-f]+ address=0x0{16} /);
    expect(result('kiln-trap').status).toBe(255);
  });

  it("Kiln's net answers pings under upstream solo5-hvt", () => {
    expect(result('kiln-net').output).toMatch(/5 packets transmitted, 5 (packets )?received/);
    expect(result('kiln-net').status).toBe(0);
    expect(result('netns-down').status).toBe(0);
  });
});
