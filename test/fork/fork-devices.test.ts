// The devices of a forked unikernel under kiln-hvt with real KVM (on this
// host if it has /dev/kvm, else in the emulated machine; one boot per
// architecture for all its cases; skipped loudly when neither exists).
// Every case runs in a network namespace the batch creates (a bridge with
// the parent's tap and the pool's taps) and deletes at the end.
// - the C image (platform-solo5/tests/forkdev.c): a child without a tap of
//   its own gets KILN_R_UNAVAILABLE through the rings and plain calls; with
//   --fork-net it takes the pool's tap and a MAC of its own, frames cross
//   the bridge both ways, a held tap is refused to the next fork (limit)
//   and handed out again once its child is waited for, a grandchild draws
//   from the same pool; --fork-block:NAME=refuse; the tender's refusals of
//   bad --fork-* arguments at start-up.
// - x86_64 only, a TypeScript image (fork-devices-app.ts): a forked child
//   whose stack takes its own address by DHCP on its own tap answers ping
//   beside its parent at the parent's static address; without a pool the
//   child's stack fails with NetError('unavailable'); a refused block
//   device with BlockError('unavailable').

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildImage } from '../../cli/image.ts';
import { caseResult, kvmSkip, runKvmCases, testArches, type KvmCase, type KvmCaseResult } from '../harness/cases.ts';
import { expectPassed } from '../harness/expect-passed.ts';
import { compilerMissing, imageToolsMissing } from '../harness/compiler.ts';
import { COUNT_TENDERS_HERE } from '../harness/tenders-here.ts';
import type { VmArch } from '../../machine/vm.ts';
import { buildPlatform, image, outDir, tender } from '../platform/build.ts';

const NS = 'kilnfd';
const APP = 'fork-devices-app.hvt';
const inNs = (command: string): string => `ip netns exec ${NS} ${command}`;

// A bridge with the parent's tap (fd0) and three for pools; a disk image.
const setup: KvmCase = {
  name: 'setup',
  run:
    `ip netns add ${NS} && ${inNs('ip link set lo up')} && ${inNs('ip link add br0 type bridge')} && ` +
    `${inNs('ip addr add 10.77.0.1/24 dev br0')} && ${inNs('ip link set br0 up')} && ` +
    `for t in fd0 fd1 fd2 fd3; do ${inNs('ip tuntap add $t mode tap')} && ${inNs('ip link set $t master br0')} && ` +
    `${inNs('ip link set $t up')} || exit 1; done && dd if=/dev/zero of=fd.img bs=512 count=8 2>/dev/null && echo ready`,
};

/** Prints a `holds: TAPS` line for each kiln-hvt process in the namespace: the taps its tun descriptors are attached to. */
const TAP_HOLDERS =
  `for p in $(ip netns pids ${NS}); do [ "$(cat /proc/$p/comm)" = kiln-hvt ] || continue; ` +
  `echo "holds: $(for f in /proc/$p/fd/*; do [ "$(readlink $f)" = /dev/net/tun ] && sed -n "s/^iff:[[:space:]]*//p" /proc/$p/fdinfo/\${f##*/}; done | sort | tr "\\n" " ")"; done`;

/** The taps held by each tender of a parent, a child and the pool keeper: parent fd0, keeper fd1 and fd2, child exactly one of those. */
function expectOneTapEach(output: string): void {
  const holds = [...output.matchAll(/^holds: (.*)$/gm)].map((m) => m[1]!.trim()).sort();
  expect(holds).toHaveLength(3);
  expect(holds).toContain('fd0'); // the parent
  expect(holds).toContain('fd1 fd2'); // the pool keeper
  expect(holds.filter((h) => h === 'fd1' || h === 'fd2')).toHaveLength(1); // the child: its tap, nothing else
}

const hvt = (args: string, image = 'forkdev.hvt', env = ''): string =>
  inNs(`env ${env} timeout 300 ./kiln-hvt --net:service=fd0 --block:storage=fd.img ${args} ${image}`);

const cCases: KvmCase[] = [
  { name: 'unavailable-rings', run: hvt('') },
  { name: 'unavailable-plain', run: hvt('', 'forkdev.hvt', 'KILN_HVT_NET_RING=0') },
  { name: 'pool-rings', run: hvt('--fork-net:service=fd1', 'forkdev.hvt --mode=pool') },
  { name: 'pool-plain', run: hvt('--fork-net:service=fd1', 'forkdev.hvt --mode=pool', 'KILN_HVT_NET_RING=0') },
  { name: 'block-refused', run: hvt('--fork-block:storage=refuse', 'forkdev.hvt --mode=refuse') },
  {
    // While the child runs: which taps parent, child and pool keeper hold; then an ARP request for 10.77.0.99 releases the child.
    name: 'one-tap-each',
    run: [
      `${hvt('--fork-net:service=fd1,fd2', 'forkdev.hvt --mode=hold')} >hold.log 2>&1 & app=$!`,
      'i=0; until grep -q "the child holds its tap" hold.log || [ $i -ge 240 ]; do sleep 0.5; i=$((i+1)); done',
      TAP_HOLDERS,
      `i=0; while kill -0 $app 2>/dev/null && [ $i -lt 60 ]; do ${inNs('ping -c 1 -W 1 10.77.0.99')} >/dev/null 2>&1; i=$((i+1)); done`,
      'wait $app; echo "app status $?"',
      'cat hold.log',
    ].join('\n'),
  },
  // Refused at start-up, before any VM: one line each, status 1.
  {
    name: 'refusals',
    run: [
      hvt('--fork-net:service=fd1,nosuchtap'),
      hvt('--fork-net:service=fd1,fd2,fd1'),
      hvt('--fork-net:service=fd1,fd0'),
      hvt('--fork-net:service='),
      hvt('--fork-block:storage=maybe'),
      hvt('--fork-net:other=fd1'),
      inNs('./kiln-hvt --net:service=fd0 --fork-net:service=fd1 net.hvt'),
    ]
      .map((command) => `${command}; echo "status $?"`)
      .join('\n'),
  },
];

const tsCases: KvmCase[] = [
  {
    // The parent answers at its static address, the child at the one DHCP
    // gave it; a connection to the child's port 9 ends it.
    name: 'ts-pool',
    run: [
      `${inNs('busybox udhcpd -f udhcpd.conf')} >udhcpd.log 2>&1 & dhcpd=$!`,
      `${hvt('--fork-net:service=fd1,fd2 --net-pcap:service=app.pcap', `${APP} --ipv4=10.77.0.2/24 --mode=pool`)} >app.log 2>&1 & app=$!`,
      // Bounded waits: the address lines appear once DHCP is done.
      'i=0; until grep -q "child address" app.log || [ $i -ge 240 ]; do sleep 0.5; i=$((i+1)); done',
      'cat app.log',
      'child=$(sed -n "s/.*child address \\([0-9.]*\\).*/\\1/p" app.log | head -1)',
      'echo "child is at $child"',
      `${inNs('ping -c 3 -W 5 10.77.0.2')} >/dev/null && echo "parent answers ping"`,
      `[ -n "$child" ] && ${inNs('ping -c 3 -W 5 $child')} >/dev/null && echo "child answers ping"`,
      TAP_HOLDERS,
      `[ -n "$child" ] && echo bye | ${inNs('busybox nc -w 5 $child 9')}`,
      'wait $app; echo "app status $?"',
      'cat app.log',
      'echo "pcap $(base64 -w0 app.pcap)"',
      'kill $dhcpd',
    ].join('\n'),
  },
  {
    // No DHCP server: the child holding the pool's first tap takes the
    // first address of --fork-ipv4.
    name: 'ts-static',
    run: [
      `${hvt('--fork-net:service=fd1,fd2', `${APP} --ipv4=10.77.0.2/24 --fork-ipv4=10.77.0.50/24 --mode=pool`)} >static.log 2>&1 & app=$!`,
      'i=0; until grep -q "child address" static.log || [ $i -ge 240 ]; do sleep 0.5; i=$((i+1)); done',
      `${inNs('ping -c 3 -W 5 10.77.0.50')} >/dev/null && echo "child answers ping"`,
      `echo bye | ${inNs('busybox nc -w 5 10.77.0.50 9')}`,
      'wait $app; echo "app status $?"',
      'cat static.log',
    ].join('\n'),
  },
  {
    name: 'ts-unavailable',
    run: hvt('--fork-block:storage=refuse', `${APP} --ipv4=10.77.0.2/24 --mode=unavailable`),
  },
];

const teardown: KvmCase = { name: 'teardown', run: `ip netns del ${NS}; sleep 1; ${COUNT_TENDERS_HERE}` };

for (const arch of testArches()) {
  const withApp = arch === 'x86_64';
  // The C images need the architecture's compiler; the TypeScript image musl's libc.a too.
  const skip = await kvmSkip(arch, 'devices of forked unikernels', await (withApp ? imageToolsMissing(arch) : compilerMissing(arch)));

  describe.skipIf(skip !== null)(`devices of a forked unikernel under kiln-hvt (${arch}, real KVM)`, () => {
    let results: Map<string, KvmCaseResult>;
    const result = (name: string): KvmCaseResult => caseResult(results, name);

    beforeAll(async () => {
      await buildPlatform(arch);
      const files = [tender(arch), image('forkdev', arch), image('net', arch)];
      if (withApp) files.push(...(await appFiles(arch)));
      const cases = [setup, ...cCases, ...(withApp ? tsCases : []), teardown];
      results = await runKvmCases(files, cases, 30 * 60_000, arch);
    }, 40 * 60_000);

    it('sets up the namespace', () => {
      expect(result('setup').output).toContain('ready');
    });

    it('makes a child without a tap of its own get KILN_R_UNAVAILABLE, through rings and plain calls', () => {
      for (const name of ['unavailable-rings', 'unavailable-plain']) {
        expectPassed(result(name), 'forkdev: block shared with the child, net refused to it');
      }
    });

    it('gives a child a tap from the pool and a MAC of its own, refuses a held tap, reuses a freed one', () => {
      for (const name of ['pool-rings', 'pool-plain']) {
        expectPassed(
          result(name),
          'forkdev: the child has its own tap and MAC, frames cross both ways',
          'a held tap is refused to the next fork, a freed one handed out again, the pool shared with grandchildren',
        );
      }
    });

    it('hands a child only its own tap: the pool keeper holds the pool, the parent its own tap', () => {
      const r = result('one-tap-each');
      expectOneTapEach(r.output);
      expect(r.output).toContain('forkdev: the child was released');
      expect(r.output).toContain('app status 0');
    });

    it('refuses a block device to children with --fork-block:NAME=refuse', () => {
      const r = result('block-refused');
      expect(r.output).toContain('forkdev: block refused to the child, still the parent');
      expect(r.status).toBe(0);
    });

    it('refuses bad --fork-net/--fork-block arguments at start-up, naming them', () => {
      const out = result('refusals').output;
      for (const line of [
        "--fork-net:service: tap device 'nosuchtap' does not exist",
        "--fork-net:service=fd1,fd2,fd1: tap 'fd1' named twice",
        "--fork-net:service: tap 'fd0' is already --net:service's",
        '--fork-net:service=: empty value',
        '--fork-block:storage=maybe: expected --fork-block:storage=share or --fork-block:storage=refuse',
        "options for 'other' given but no --net:other=",
        '--fork-net:service given, but the image declares no KILN_FORK device',
      ])
        expect(out).toContain(line);
      expect(out.match(/^status 1$/gm)).toHaveLength(7);
    });

    // The TypeScript image is built for x86_64 only (the C cases cover the
    // tender on aarch64).
    if (withApp) {
      it('runs a forked TypeScript child on its own tap with its own address beside its parent', () => {
        const r = result('ts-pool');
        const lease = /child address \S+ \(dhcp\) \d+ ms after the fork call/.exec(r.output);
        expect(lease).not.toBeNull();
        console.info(`fork-devices: ${lease![0]} (emulated machine)`);
        expect(r.output).toContain('parent answers ping');
        expect(r.output).toMatch(/child is at 10\.77\.0\.\d+/);
        expect(r.output).not.toMatch(/child is at 10\.77\.0\.2\b/);
        expect(r.output).toContain('child answers ping');
        expect(r.output).toContain('parent: child ended with 0');
        expect(r.output).toContain('app status 0');
      });

      it('hands a TypeScript child only its own tap as well', () => {
        expectOneTapEach(result('ts-pool').output);
      });

      it("records the child's frames in the parent's --net-pcap file too", () => {
        const out = result('ts-pool').output;
        const child = /child is at (10\.77\.0\.\d+)/.exec(out)![1]!;
        const sources = ipv4Sources(Buffer.from(/^pcap (\S*)$/m.exec(out)![1]!, 'base64'));
        expect(sources).toContain('10.77.0.2');
        expect(sources).toContain(child);
      });

      it('gives a forked child a static address from --fork-ipv4 by the pool tap it holds', () => {
        const r = result('ts-static');
        expect(r.output).toMatch(/child address 10\.77\.0\.50 \(static\) \d+ ms after the fork call/);
        expect(r.output).toContain('child answers ping');
        expect(r.output).toContain('parent: child ended with 0');
        expect(r.output).toContain('app status 0');
      });

      it("fails a child's stack without a tap and a refused block device with typed errors", () => {
        const r = result('ts-unavailable');
        expect(r.output).toContain('child: ping: NetError unavailable');
        expect(r.output).toContain('child: block read: BlockError unavailable');
        expect(r.output).toContain('parent: child ended with 0');
        expect(r.status).toBe(0);
      });
    }

    it('leaves no tender running', () => {
      expect(result('teardown').output.trim()).toBe('0');
    });
  });
}

/** The source addresses of the IPv4 frames in a pcap file (classic format, Ethernet). */
function ipv4Sources(pcap: Buffer): Set<string> {
  const sources = new Set<string>();
  expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
  for (let at = 24; at + 16 <= pcap.length; ) {
    const length = pcap.readUInt32LE(at + 8);
    const frame = pcap.subarray(at + 16, at + 16 + length);
    if (frame.length >= 34 && frame.readUInt16BE(12) === 0x0800) sources.add([...frame.subarray(26, 30)].join('.'));
    at += 16 + length;
  }
  return sources;
}

/** The TypeScript image and the DHCP server's configuration for the pool case. */
async function appFiles(arch: VmArch): Promise<string[]> {
  const dir = join(outDir(arch), 'fork-devices');
  const app = join(dir, APP);
  const conf = join(dir, 'udhcpd.conf');
  await mkdir(dir, { recursive: true });
  await buildImage(join(import.meta.dirname, 'fork-devices-app.ts'), arch, app);
  await writeFile(
    conf,
    [
      'start 10.77.0.100',
      'end 10.77.0.120',
      'interface br0',
      'lease_file /tmp/udhcpd.leases',
      'pidfile /tmp/udhcpd.pid',
      'opt subnet 255.255.255.0',
      'opt lease 600',
      '',
    ].join('\n'),
  );
  return [app, conf];
}
