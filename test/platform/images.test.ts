// The C test images under kiln-hvt with real KVM: on this host if it has
// /dev/kvm, else in the x86_64 test VM (one boot for all cases). The net
// case creates a network namespace with a tap, pings the image from it, and
// deletes the namespace.

import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';

import { TENDER, buildPlatform, image } from './build.ts';
import { type KvmCaseResult, kvmPlace, runKvmCases } from './kvm.ts';

const place = await kvmPlace();
const skip = 'skip' in place ? place.skip : null;
if (skip) console.warn(`SKIPPED: kiln-hvt image tests: ${skip}`);

const NETNS = 'kilnimg';
const TAP = 'kilntap0';
const HOST_IP = '10.91.0.1';
const GUEST_IP = '10.91.0.2';
const FATAL = ['args', 'port', 'trapport', 'hlt'] as const;

const hostile = (extra = ''): string =>
  `ip netns exec ${NETNS} ./kiln-hvt --mem=64 --net:service=${TAP} --block:storage=hostile.img hostile.hvt --guest-mem-mb=64 ${extra}`;

const cases = [
  { name: 'hello', run: './kiln-hvt --mem=32 hello.hvt one two --expect-heap-mb=31' },
  // The extremes of --mem: 4 GiB needs all four page directories; 2 MiB
  // leaves no heap, which the bindings must say instead of crashing.
  { name: 'hello-4g', run: './kiln-hvt --mem=4096 hello.hvt big --expect-heap-mb=4095' },
  { name: 'hello-2m', run: './kiln-hvt --mem=2 hello.hvt' },
  { name: 'time', run: './kiln-hvt time.hvt' },
  { name: 'fpu', run: './kiln-hvt fpu.hvt' },
  { name: 'trap', run: './kiln-hvt trap.hvt' },
  {
    name: 'blk',
    run:
      'dd if=/dev/zero of=blk.img bs=1024 count=1024 2>/dev/null && ./kiln-hvt --block:storage=blk.img blk.hvt && ' +
      'dd if=/dev/zero of=blk4k.img bs=4096 count=64 2>/dev/null && ' +
      './kiln-hvt --block:storage=blk4k.img --block-sector-size:storage=4096 blk.hvt',
  },
  {
    name: 'netns-up',
    run:
      `ip netns add ${NETNS} && ip netns exec ${NETNS} ip link set lo up && ` +
      `ip netns exec ${NETNS} ip tuntap add ${TAP} mode tap && ip netns exec ${NETNS} ip link set ${TAP} up && ` +
      `ip netns exec ${NETNS} ip addr add ${HOST_IP}/24 dev ${TAP}`,
  },
  ...(['ring', 'noring'] as const).map((mode) => ({
    name: `net-${mode}`,
    run:
      `ip netns exec ${NETNS} env KILN_HVT_STATS=1 KILN_HVT_NET_RING=${mode === 'ring' ? 1 : 0} ` +
      `./kiln-hvt --net:service=${TAP} --net-mac:service=02:00:00:00:91:02 ` +
      `--net-pcap:service=net.pcap net.hvt --ipv4=${GUEST_IP} --limit=6 & pid=$!; ` +
      `sleep 1; ip netns exec ${NETNS} ping -c 5 -i 0.2 -W 5 ${GUEST_IP}; ping=$?; ` +
      // While the image runs (its tap going down flushes the entry); the
      // sixth echo lets it exit.
      `ip netns exec ${NETNS} ip neigh show ${GUEST_IP}; ip netns exec ${NETNS} ping -c 1 -W 5 ${GUEST_IP} >/dev/null; ` +
      'wait $pid; image=$?; echo "image status $image"; ' +
      'echo "pcap bytes $(wc -c < net.pcap) magic $(od -An -tx4 -N4 net.pcap)"; [ $ping = 0 ] && [ $image = 0 ]',
  })),
  { name: 'hostile', run: `dd if=/dev/zero of=hostile.img bs=1024 count=64 2>/dev/null && ${hostile()}` },
  ...FATAL.map((f) => ({ name: `hostile-${f}`, run: hostile(`--fatal=${f}`) })),
  { name: 'hostile-disk', run: 'cmp -n 65536 hostile.img /dev/zero && echo untouched' },
  { name: 'netns-down', run: `ip netns del ${NETNS}` },
];

let results: Map<string, KvmCaseResult>;

describe.skipIf(skip !== null)('C test images under kiln-hvt (real KVM)', () => {
  beforeAll(async () => {
    await buildPlatform();
    const names = ['hello', 'time', 'fpu', 'trap', 'blk', 'net', 'hostile'];
    results = await runKvmCases([TENDER, ...names.map(image)], cases);
  }, 15 * 60_000);

  const result = (name: string): KvmCaseResult => {
    const r = results.get(name);
    if (!r) throw new Error(`no result for ${name}`);
    return r;
  };

  it('hello prints, sees its command line and heap', () => {
    const r = result('hello');
    expect(r.output).toContain('Hello, World');
    expect(r.output).toContain("Command line is: 'one two --expect-heap-mb=31'");
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('hello runs in 4 GiB and refuses cleanly in 2 MiB', () => {
    expect(result('hello-4g').output).toContain('SUCCESS');
    expect(result('hello-4g').status).toBe(0);
    expect(result('hello-2m').output).toContain('Kiln: not enough guest memory for a heap');
    expect(result('hello-2m').status).toBe(255);
  });

  it('time: clocks advance and sleeps never end early', () => {
    expect(result('time').output).toMatch(/slept 10 x 20 ms; latest wake-up \d+ us after the deadline/);
    expect(result('time').output).toContain('SUCCESS');
    expect(result('time').status).toBe(0);
  });

  it('fpu: SSE works in the guest', () => {
    expect(result('fpu').output).toContain('SUCCESS');
    expect(result('fpu').status).toBe(0);
  });

  it('trap: a null write gives one clean report and status 255', () => {
    const r = result('trap');
    expect(r.output).toMatch(/kiln-hvt: guest trap: #PF page fault \(vector 14\) at rip=0x[0-9a-f]+, address=0x0,/);
    expect(r.output).not.toContain('FAILED');
    expect(r.status).toBe(255);
  });

  it('blk: write, read back, refusals, at 512 and 4096-byte sectors', () => {
    const r = result('blk');
    expect(r.output).toContain('capacity 1048576 bytes, sector 512');
    expect(r.output).toContain('capacity 262144 bytes, sector 4096');
    expect(r.output.match(/SUCCESS/g)).toHaveLength(2);
    expect(r.status).toBe(0);
  });

  it.each(['ring', 'noring'])('net (%s): answers ARP and ICMP echo from the namespace; pcap records the frames', (mode) => {
    expect(result('netns-up').status).toBe(0);
    const r = result(`net-${mode}`);
    expect(r.output).toContain(`serving ICMP echo on ${GUEST_IP}`);
    expect(r.output).toMatch(/5 packets transmitted, 5 (packets )?received/);
    expect(r.output).toContain('answered 6 echo requests');
    // The MAC given with --net-mac is the one the image answered ARP with.
    expect(r.output).toContain('lladdr 02:00:00:00:91:02');
    // 24-byte header + at least ARP request/reply and 6 requests/replies.
    expect(r.output).toMatch(/magic\s+a1b2c3d4/);
    const pcap = Number(/pcap bytes (\d+)/.exec(r.output)?.[1]);
    expect(pcap).toBeGreaterThan(24 + 14 * (16 + 42));
    // With rings, frames move without per-frame hypercalls; without, each
    // frame is one.
    const calls = /kiln-hvt: hypercalls: (.*)/.exec(r.output)?.[1] ?? '';
    if (mode === 'ring') {
      expect(calls).toContain('net_ring_setup=1');
      expect(calls).not.toMatch(/net_read|net_write/);
    } else {
      expect(calls).not.toContain('net_ring_setup');
      expect(calls).toMatch(/net_write=(\d+)/);
      expect(Number(/net_write=(\d+)/.exec(calls)?.[1])).toBeGreaterThanOrEqual(7);
    }
    expect(r.status).toBe(0);
  });

  it('hostile guest: every bad pointer, length and handle is refused', () => {
    const r = result('hostile');
    expect(r.output).toContain('all refusals correct');
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
    expect(result('hostile-disk').output).toContain('untouched');
  });

  it.each(FATAL)('hostile guest --fatal=%s is stopped with one line and status 255', (f) => {
    const r = result(`hostile-${f}`);
    const reasons: Record<(typeof FATAL)[number], RegExp> = {
      args: /guest hypercall 1: argument block at 0x10000 is not in its writable memory/,
      port: /unknown hypercall 64 \(port 0x540\)/,
      trapport: /guest code used the reserved trap-report port/,
      hlt: /guest trap: #GP general protection/,
    };
    expect(r.output).toMatch(reasons[f]);
    expect(r.output).not.toContain('the tender let the guest go on');
    expect(r.status).toBe(255);
  });

  it('namespace removed', () => {
    expect(result('netns-down').status).toBe(0);
  });
});

// Keeps this file honest: every platform test image it names is one the
// Makefile builds (images other suites own, such as fork, may be added).
describe('image list', () => {
  it('is built by the Makefile', async () => {
    const makefile = await readFile(new URL('../../platform-solo5/Makefile', import.meta.url), 'utf8');
    const built = /^TESTS := (.*)$/m.exec(makefile)?.[1]?.split(' ') ?? [];
    expect(built).toEqual(expect.arrayContaining(['blk', 'fpu', 'hello', 'hostile', 'net', 'time', 'trap']));
  });
});
