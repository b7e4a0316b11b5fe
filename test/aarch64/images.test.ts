// The C test images of platform-solo5, built for aarch64, under the aarch64
// kiln-hvt with real KVM inside the emulated aarch64 machine (one boot for
// every case), fork and pipes between unikernels included. The net case
// creates a network namespace with a tap there,
// answers `ping -c 20` from it, and deletes the namespace.

import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { type MachineResult, caseResult, OUT, ROOT, TENDER, machineUnavailable, lockedMake, runCases } from './machine.ts';

const skip = await machineUnavailable();
if (skip) console.warn(`SKIPPED: aarch64 C test images: needs ${skip}`);

const image = (name: string): string => join(OUT, 'tests', `${name}.hvt`);
const X86_HELLO = join(OUT, 'foreign', 'x86-hello.hvt');
const X86_HELLO_BUILT = join(ROOT, 'build/x86_64/tests/hello.hvt');
const NETNS = 'kilna64';
const TAP = 'kilntap0';
const HOST_IP = '10.92.0.1';
const GUEST_IP = '10.92.0.2';
const PINGS = 20;

const hostile = (extra = ''): string =>
  `ip netns exec ${NETNS} ./kiln-hvt --mem=64 --net:service=${TAP} --block:storage=hostile.img hostile.hvt --guest-mem-mb=64 ${extra}`;

// What the tender (or the bindings) must say when it stops a hostile guest.
const FATAL: Record<string, RegExp> = {
  args: /kiln-hvt: guest hypercall 1: argument block at 0x10000 is not in its writable memory/,
  port: /kiln-hvt: guest made unknown hypercall 64 \(address 0x100000200\)/,
  trapport: /kiln-hvt: guest code used the reserved trap-report address/,
  hlt: /kiln-hvt: guest asked for a PSCI power off \(pc=0x[0-9a-f]+\) instead of halting through the tender/,
  mmio: /kiln-hvt: guest wrote 8 bytes at 0x100000408, outside its memory and not a hypercall/,
  wide: /kiln-hvt: guest wrote 8 bytes at 0x100000010, outside its memory and not a hypercall/,
  load: /kiln-hvt: guest read 8 bytes at 0x100000010, outside its memory and not a hypercall/,
  misaligned: /kiln-hvt: guest wrote 4 bytes at 0x100000014, outside its memory and not a hypercall/,
  stubs: /kiln-hvt: guest trap: data abort \(ESR 0x96[0-9a-f]+\) at pc=0x[0-9a-f]+, address=0x8, sp=0x[0-9a-f]+ \(before the image installed its vectors\)/,
  nested: /Kiln: guest trap while handling a trap \(or before the trap stack was set up\); stopping/,
  // A write permission fault (DFSC 0b0011xx, WnR) on the read-only boot info;
  // a translation fault (DFSC 0b0001xx) reading the tender's page tables.
  bootinfo: /Kiln: guest trap: data abort \(ESR 0x0*9600004[c-f]\) at pc=0x[0-9a-f]+ address=0x0{11}10000 /,
  tables: /Kiln: guest trap: data abort \(ESR 0x0*9600000[4-7]\) at pc=0x[0-9a-f]+ address=0x0{12}1000 /,
};

const cases = [
  { name: 'hello', run: './kiln-hvt --mem=32 hello.hvt one two --expect-heap-mb=31' },
  { name: 'version', run: './kiln-hvt --version' },
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
  { name: 'x86-image', run: './kiln-hvt x86-hello.hvt' },
  // Bounded, so a hung child fails its case instead of the whole run.
  { name: 'fork', run: 'timeout 300 ./kiln-hvt --mem=64 fork.hvt' },
  { name: 'no-orphans', run: 'sleep 1; ps -e -o comm= | grep -c kiln-hvt || true' },
  {
    name: 'netns-up',
    run:
      `ip netns add ${NETNS} && ip netns exec ${NETNS} ip link set lo up && ` +
      `ip netns exec ${NETNS} ip tuntap add ${TAP} mode tap && ip netns exec ${NETNS} ip link set ${TAP} up && ` +
      `ip netns exec ${NETNS} ip addr add ${HOST_IP}/24 dev ${TAP}`,
  },
  {
    name: 'net',
    run:
      `ip netns exec ${NETNS} ./kiln-hvt --net:service=${TAP} --net-mac:service=02:00:00:00:92:02 ` +
      `net.hvt --ipv4=${GUEST_IP} --limit=${PINGS + 1} & pid=$!; ` +
      `sleep 1; ip netns exec ${NETNS} ping -c ${PINGS} -i 0.2 -W 5 ${GUEST_IP}; ping=$?; ` +
      `ip netns exec ${NETNS} ip neigh show ${GUEST_IP}; ip netns exec ${NETNS} ping -c 1 -W 5 ${GUEST_IP} >/dev/null; ` +
      'wait $pid; image=$?; echo "image status $image"; [ $ping = 0 ] && [ $image = 0 ]',
  },
  { name: 'hostile', run: `dd if=/dev/zero of=hostile.img bs=1024 count=64 2>/dev/null && ${hostile()}` },
  ...Object.keys(FATAL).map((f) => ({ name: `hostile-${f}`, run: hostile(`--fatal=${f}`) })),
  { name: 'hostile-disk', run: 'cmp -n 65536 hostile.img /dev/zero && echo untouched' },
  { name: 'netns-down', run: `ip netns del ${NETNS}` },
];

let results: Map<string, MachineResult>;
const result = (name: string): MachineResult => caseResult(results, name);

describe.skipIf(skip !== null)('aarch64: C test images under kiln-hvt (real KVM, emulated machine)', () => {
  beforeAll(async () => {
    await lockedMake('platform-solo5', 'ARCH=aarch64');
    const names = ['hello', 'time', 'fpu', 'trap', 'blk', 'net', 'hostile', 'fork'];
    // An x86_64 image must be refused with one line, not loaded.
    await lockedMake('platform-solo5', X86_HELLO_BUILT);
    await mkdir(join(OUT, 'foreign'), { recursive: true });
    await copyFile(X86_HELLO_BUILT, X86_HELLO);
    results = await runCases([TENDER, ...names.map(image), X86_HELLO], cases);
  }, 20 * 60_000);

  it('hello prints, sees its command line and heap', () => {
    const r = result('hello');
    expect(r.output).toContain('Hello, World');
    expect(r.output).toContain("Command line is: 'one two --expect-heap-mb=31'");
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
    expect(result('version').output).toMatch(/kiln-hvt [\d.]+ \(Solo5 hvt ABI version 2, aarch64\)/);
  });

  it('time: the generic timer advances and sleeps never end early', () => {
    expect(result('time').output).toMatch(/slept 10 x 20 ms; latest wake-up \d+ us after the deadline/);
    expect(result('time').output).toContain('SUCCESS');
    expect(result('time').status).toBe(0);
  });

  it('fpu: FP/SIMD works in the guest', () => {
    expect(result('fpu').output).toContain('SUCCESS');
    expect(result('fpu').status).toBe(0);
  });

  it("trap: a null write gives one clean report from the bindings' vectors and status 255", () => {
    const r = result('trap');
    expect(r.output).toMatch(
      /Kiln: guest trap: data abort \(ESR 0x0*96[0-9a-f]+\) at pc=0x[0-9a-f]+ address=0x0{16} sp=0x[0-9a-f]+ lr=0x[0-9a-f]+\n/,
    );
    expect(r.output.match(/guest trap/g)).toHaveLength(1);
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

  it('an x86_64 image is refused with one line', () => {
    const r = result('x86-image');
    expect(r.output).toMatch(/^kiln-hvt: x86-hello.hvt: wrong architecture \(ELF machine 62, this tender runs aarch64 images\)\n$/);
    expect(r.status).toBe(1);
  });

  it('fork: the child gets a copy of memory, statuses reach the parent, forks nest, pipes carry 4 MiB with EOF and EPIPE', () => {
    const r = result('fork');
    for (const line of [
      'fork: memory copied, status 42 seen',
      'fork: nested fork, status 15 seen',
      'pipe: 4 MiB from child to parent, then end-of-file',
      'pipe: EPIPE after the last read end closed',
      'SUCCESS',
    ])
      expect(r.output).toContain(line);
    expect(r.status).toBe(0);
    expect(result('no-orphans').output.trim()).toBe('0');
  });

  it(`net: answers ARP and ping -c ${PINGS} from a namespace in the emulated machine`, () => {
    expect(result('netns-up').status).toBe(0);
    const r = result('net');
    expect(r.output).toContain(`serving ICMP echo on ${GUEST_IP}`);
    expect(r.output).toMatch(new RegExp(`${PINGS} packets transmitted, ${PINGS} (packets )?received`));
    expect(r.output).toContain(`answered ${PINGS + 1} echo requests`);
    expect(r.output).toContain('lladdr 02:00:00:00:92:02');
    expect(r.status).toBe(0);
  });

  it('hostile guest: every bad pointer, length and handle is refused', () => {
    const r = result('hostile');
    expect(r.output).toContain('all refusals correct');
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
    expect(result('hostile-disk').output).toContain('untouched');
  });

  it.each(Object.keys(FATAL))('hostile guest --fatal=%s is stopped with one line and status 255', (f) => {
    const r = result(`hostile-${f}`);
    expect(r.output).toMatch(FATAL[f]!);
    expect(r.output).not.toContain('the tender let the guest go on');
    expect(r.status).toBe(255);
  });

  it('namespace removed', () => {
    expect(result('netns-down').status).toBe(0);
  });
});
