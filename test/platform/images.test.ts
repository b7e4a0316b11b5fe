// The C test images of platform-solo5 under kiln-hvt with real KVM, for each
// architecture (on this host if it has /dev/kvm for it, else in that
// architecture's emulated machine; one boot per architecture for all its
// cases). The net cases create a network namespace with a tap, ping the
// image from it, and delete the namespace. Fork and pipe images run in
// test/fork/fork-image.test.ts.

import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { caseResult, kvmSkip, runKvmCases, testArches, type KvmCase, type KvmCaseResult } from '../harness/cases.ts';
import { expectPassed } from '../harness/expect-passed.ts';
import { tapNamespaceCases } from '../harness/tap-namespace.ts';
import { compilerMissing } from '../harness/compiler.ts';
import type { VmArch } from '../../machine/vm.ts';
import { buildPlatform, image, lockedMake, outDir, tender } from './build.ts';

const NETNS = 'kilnimg';
const TAP = 'kilntap0';
const HOST_IP = '10.91.0.1';
const GUEST_IP = '10.91.0.2';
const namespace = tapNamespaceCases(NETNS, TAP, HOST_IP);
const GUEST_MAC = '02:00:00:00:91:02';
const PINGS = 5;
const IMAGES = ['hello', 'time', 'fpu', 'trap', 'protect', 'blk', 'net', 'hostile'];
/** --mem of the protect cases: the guard page is the stack area's lowest, 1 MiB below the top. */
const PROTECT_MEM_MB = 32;
const GUARD_PAGE = BigInt((PROTECT_MEM_MB - 1) << 20);

/** A page fault as the trap report gives it. */
interface Fault {
  pc: bigint;
  address: bigint;
  write: boolean;
  /** An instruction fetch. */
  fetch: boolean;
  /** The page was mapped (a rights violation), not absent. */
  present: boolean;
}

/**
 * What each protect.hvt --case=NAME must fault on: `at` is the address the
 * image announced, the guard page, or 0; a fetch faults at its own pc.
 */
const PROTECT: Record<string, Omit<Fault, 'pc' | 'address'> & { at: 'announced' | 'guard' | 'zero' }> = {
  'text-write': { write: true, fetch: false, present: true, at: 'announced' },
  'rodata-write': { write: true, fetch: false, present: true, at: 'announced' },
  'data-exec': { write: false, fetch: true, present: true, at: 'announced' },
  'stack-exec': { write: false, fetch: true, present: true, at: 'announced' },
  'heap-exec': { write: false, fetch: true, present: true, at: 'announced' },
  'stack-overflow': { write: true, fetch: false, present: false, at: 'guard' },
  'zero-read': { write: false, fetch: false, present: false, at: 'zero' },
  'zero-exec': { write: false, fetch: true, present: false, at: 'zero' },
};

/** What differs between the architectures; everything else is one list of cases and checks. */
interface ArchCases {
  /** What the tender or the bindings say when each hostile --fatal=NAME guest is stopped. */
  fatal: Record<string, RegExp>;
  /** The report of a null write in trap.hvt. */
  trap: RegExp;
  /** The one page fault reported in (output), or null. */
  fault(output: string): Fault | null;
  fpu: string;
}

const ARCH: Record<VmArch, ArchCases> = {
  x86_64: {
    fatal: {
      args: /guest hypercall 1: argument block at 0x10000 is misaligned or not in its writable memory/,
      port: /unknown hypercall 64 \(port 0x540\)/,
      trapport: /guest code used the reserved trap-report port/,
      hlt: /guest trap: #GP general protection/,
    },
    trap: /kiln-hvt: guest trap: #PF page fault \(vector 14\) at rip=0x[0-9a-f]+, address=0x0,/,
    // The tender's stubs report CPL3 traps; the #PF error code says what
    // the access was (Intel SDM vol. 3, 4.7: P, W/R, U/S, I/D).
    fault(output) {
      const m = /kiln-hvt: guest trap: #PF page fault \(vector 14\) at rip=0x([0-9a-f]+), address=0x([0-9a-f]+), error=0x([0-9a-f]+),/.exec(output);
      if (!m) return null;
      const error = Number.parseInt(m[3]!, 16);
      return { pc: BigInt(`0x${m[1]}`), address: BigInt(`0x${m[2]}`), present: (error & 1) !== 0, write: (error & 2) !== 0, fetch: (error & 0x10) !== 0 };
    },
    fpu: 'SSE',
  },
  aarch64: {
    fatal: {
      args: /kiln-hvt: guest hypercall 1: argument block at 0x10000 is misaligned or not in its writable memory/,
      port: /kiln-hvt: guest made unknown hypercall 64 \(address 0x100000200\)/,
      trapport: /kiln-hvt: guest code used the reserved trap-report address/,
      hlt: /kiln-hvt: guest asked for a PSCI power off \(pc=0x[0-9a-f]+\) instead of halting through the tender/,
      mmio: /kiln-hvt: guest wrote 8 bytes at 0x100000408, outside its memory and not a hypercall/,
      wide: /kiln-hvt: guest wrote 8 bytes at 0x100000010, outside its memory and not a hypercall/,
      load: /kiln-hvt: guest read 8 bytes at 0x100000010, outside its memory and not a hypercall/,
      misaligned: /kiln-hvt: guest wrote 4 bytes at 0x100000014, outside its memory and not a hypercall/,
      stubs: /kiln-hvt: guest trap: data abort \(ESR 0x96[0-9a-f]+\) at pc=0x[0-9a-f]+, address=0x8, sp=0x[0-9a-f]+ \(before the image installed its vectors\)/,
      nested: /Kiln: guest trap while handling a trap \(or before the trap stack was set up\); stopping/,
      // A write permission fault (DFSC 0b0011xx, WnR) on the read-only boot
      // info; a translation fault (DFSC 0b0001xx) reading the tender's page tables.
      bootinfo: /Kiln: guest trap: data abort \(ESR 0x0*9600004[c-f]\) at pc=0x[0-9a-f]+ address=0x0{11}10000 /,
      tables: /Kiln: guest trap: data abort \(ESR 0x0*9600000[4-7]\) at pc=0x[0-9a-f]+ address=0x0{12}1000 /,
    },
    trap: /Kiln: guest trap: data abort \(ESR 0x0*96[0-9a-f]+\) at pc=0x[0-9a-f]+ address=0x0{16} sp=0x[0-9a-f]+ lr=0x[0-9a-f]+\n/,
    // The bindings' vectors report; the syndrome says what the access was
    // (Arm ARM D17.2.37: EC 0x21 instruction abort, 0x25 data abort; WnR;
    // fault status 0b0001xx translation, 0b0011xx permission).
    fault(output) {
      const m = /Kiln: guest trap: (?:data|instruction) abort \(ESR 0x([0-9a-f]+)\) at pc=0x([0-9a-f]+) address=0x([0-9a-f]+) /.exec(output);
      if (!m) return null;
      const esr = BigInt(`0x${m[1]}`);
      const ec = Number((esr >> 26n) & 0x3fn);
      const status = Number(esr & 0x3cn);
      if ((ec !== 0x21 && ec !== 0x25) || (status !== 0x04 && status !== 0x0c)) return null;
      return { pc: BigInt(`0x${m[2]}`), address: BigInt(`0x${m[3]}`), present: status === 0x0c, write: ec === 0x25 && (esr & 0x40n) !== 0n, fetch: ec === 0x21 };
    },
    fpu: 'FP/SIMD',
  },
};

/** The other architecture's hello, which each tender must refuse with one line. */
const OTHER: Record<VmArch, VmArch> = { x86_64: 'aarch64', aarch64: 'x86_64' };
const foreignHello = (arch: VmArch): string => join(outDir(arch), 'foreign', `${OTHER[arch]}-hello.hvt`);

const hostile = (extra = ''): string =>
  `ip netns exec ${NETNS} ./kiln-hvt --mem=64 --net:service=${TAP} --block:storage=hostile.img hostile.hvt --guest-mem-mb=64 ${extra}`;

function cases(arch: VmArch, foreign: boolean): KvmCase[] {
  return [
    { name: 'hello', run: './kiln-hvt --mem=32 hello.hvt one two --expect-heap-mb=31' },
    // The extremes of --mem: 4 GiB needs all four page directories on
    // x86_64; 2 MiB leaves no heap, which the bindings must say instead of crashing.
    { name: 'hello-4g', run: './kiln-hvt --mem=4096 hello.hvt big --expect-heap-mb=4095' },
    { name: 'hello-2m', run: './kiln-hvt --mem=2 hello.hvt' },
    { name: 'version', run: './kiln-hvt --version' },
    ...(foreign ? [{ name: 'foreign', run: `./kiln-hvt ${OTHER[arch]}-hello.hvt` }] : []),
    { name: 'time', run: './kiln-hvt time.hvt' },
    { name: 'fpu', run: './kiln-hvt fpu.hvt' },
    { name: 'trap', run: './kiln-hvt trap.hvt' },
    { name: 'protect', run: `./kiln-hvt --mem=${PROTECT_MEM_MB} protect.hvt` },
    ...Object.keys(PROTECT).map((c) => ({ name: `protect-${c}`, run: `./kiln-hvt --mem=${PROTECT_MEM_MB} protect.hvt --case=${c}` })),
    {
      name: 'blk',
      run:
        'dd if=/dev/zero of=blk.img bs=1024 count=1024 2>/dev/null && ./kiln-hvt --block:storage=blk.img blk.hvt && ' +
        'dd if=/dev/zero of=blk4k.img bs=4096 count=64 2>/dev/null && ' +
        './kiln-hvt --block:storage=blk4k.img --block-sector-size:storage=4096 blk.hvt',
    },
    namespace.up,
    ...(['ring', 'noring'] as const).map((mode) => ({
      name: `net-${mode}`,
      run:
        // Bounded: an image that misses an echo would wait for it forever.
        `ip netns exec ${NETNS} env KILN_HVT_STATS=1 KILN_HVT_NET_RING=${mode === 'ring' ? 1 : 0} ` +
        `timeout 120 ./kiln-hvt --net:service=${TAP} --net-mac:service=${GUEST_MAC} ` +
        `--net-pcap:service=net.pcap net.hvt --ipv4=${GUEST_IP} --limit=${PINGS + 2} > net.log 2>&1 & pid=$!; ` +
        // Pings only once the image serves: one sent before its tap is
        // attached is lost, and the image would never see its last echo.
        'i=0; until grep -q "serving ICMP echo" net.log || [ $i -ge 600 ]; do sleep 0.1; i=$((i+1)); done; ' +
        // One echo first, not counted, that waits for ARP: in a loaded emulated
        // machine the kernel can give up on a slow ARP reply and drop the echo it held.
        `ip netns exec ${NETNS} ping -c 1 -W 10 ${GUEST_IP} >/dev/null; ` +
        `ip netns exec ${NETNS} ping -c ${PINGS} -i 0.2 -W 5 ${GUEST_IP}; ping=$?; ` +
        // While the image runs (its tap going down flushes the entry); then
        // echoes until it has answered its limit and exits (bounded).
        `ip netns exec ${NETNS} ip neigh show ${GUEST_IP}; ` +
        `i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 20 ]; do ip netns exec ${NETNS} ping -c 1 -W 2 ${GUEST_IP} >/dev/null; i=$((i+1)); done; ` +
        'wait $pid; image=$?; cat net.log; echo "image status $image"; ' +
        'echo "pcap bytes $(wc -c < net.pcap) magic $(od -An -tx4 -N4 net.pcap)"; [ $ping = 0 ] && [ $image = 0 ]',
    })),
    { name: 'hostile', run: `dd if=/dev/zero of=hostile.img bs=1024 count=64 2>/dev/null && ${hostile()}` },
    ...Object.keys(ARCH[arch].fatal).map((f) => ({ name: `hostile-${f}`, run: hostile(`--fatal=${f}`) })),
    { name: 'hostile-disk', run: 'cmp -n 65536 hostile.img /dev/zero && echo untouched' },
    namespace.down,
  ];
}

for (const arch of testArches()) {
  const skip = await kvmSkip(arch, 'C test images under kiln-hvt', await compilerMissing(arch));
  const { fatal, trap, fault, fpu } = ARCH[arch];
  // Building the other architecture's hello needs its compiler.
  const foreignSkip = await compilerMissing(OTHER[arch]);
  if (foreignSkip) console.warn(`SKIPPED: ${arch}: refusing an ${OTHER[arch]} image: ${foreignSkip}`);
  let results: Map<string, KvmCaseResult>;
  const result = (name: string): KvmCaseResult => caseResult(results, name);

  describe.skipIf(skip !== null)(`${arch}: C test images under kiln-hvt (real KVM)`, () => {
    beforeAll(async () => {
      await buildPlatform(arch);
      const files = [tender(arch), ...IMAGES.map((name) => image(name, arch))];
      if (!foreignSkip) {
        // The other architecture's hello (only that image), under a name of its own.
        await lockedMake('platform-solo5', `ARCH=${OTHER[arch]}`, image('hello', OTHER[arch]));
        await mkdir(join(outDir(arch), 'foreign'), { recursive: true });
        await copyFile(image('hello', OTHER[arch]), foreignHello(arch));
        files.push(foreignHello(arch));
      }
      results = await runKvmCases(files, cases(arch, !foreignSkip), 20 * 60_000, arch);
    }, 30 * 60_000);

    it('hello prints, sees its command line and heap; --version names the architecture', () => {
      expectPassed(result('hello'), 'Hello, World', "Command line is: 'one two --expect-heap-mb=31'");
      expect(result('version').output).toMatch(new RegExp(`^kiln-hvt [\\d.]+ \\(Solo5 hvt ABI version 2, ${arch}\\)\\n$`));
    });

    it('hello runs in 4 GiB and refuses cleanly in 2 MiB', () => {
      expectPassed(result('hello-4g'));
      expect(result('hello-2m').output).toContain('Kiln: not enough guest memory for a heap');
      expect(result('hello-2m').status).toBe(255);
    });

    it.skipIf(foreignSkip !== null)(`an ${OTHER[arch]} image is refused with one line`, () => {
      const r = result('foreign');
      const machine = { x86_64: 62, aarch64: 183 }[OTHER[arch]];
      expect(r.output).toBe(`kiln-hvt: ${OTHER[arch]}-hello.hvt: wrong architecture (ELF machine ${machine}, this tender runs ${arch} images)\n`);
      expect(r.status).toBe(1);
    });

    it('time: clocks advance and sleeps never end early', () => {
      expect(result('time').output).toMatch(/slept 10 x 20 ms; latest wake-up \d+ us after the deadline/);
      expectPassed(result('time'));
    });

    it(`fpu: ${fpu} works in the guest`, () => {
      expectPassed(result('fpu'));
    });

    it('trap: a null write gives one clean report and status 255', () => {
      const r = result('trap');
      expect(r.output).toMatch(trap);
      expect(r.output.match(/guest trap/g)).toHaveLength(1);
      expect(r.output).not.toContain('FAILED');
      expect(r.status).toBe(255);
    });

    it('protect: text and read-only data readable, data, bss, heap and stack writable', () => {
      expectPassed(result('protect'));
    });

    it.each(Object.keys(PROTECT))('protect --case=%s: one page fault at the right address, status 255', (c) => {
      const r = result(`protect-${c}`);
      const want = PROTECT[c]!;
      const got = fault(r.output);
      expect(got, r.output).not.toBeNull();
      expect({ write: got!.write, fetch: got!.fetch, present: got!.present }).toEqual({ write: want.write, fetch: want.fetch, present: want.present });
      const announced = /protect: \S+ at 0x([0-9a-f]+)/.exec(r.output)?.[1];
      if (want.at === 'announced') expect(got!.address).toBe(BigInt(`0x${announced}`));
      if (want.at === 'zero') expect(got!.address).toBe(0n);
      if (want.at === 'guard') expect(got!.address >> 12n).toBe(GUARD_PAGE >> 12n);
      if (want.fetch) expect(got!.pc).toBe(got!.address);
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

    it.each(['ring', 'noring'])('net (%s): answers ARP and ICMP echo from the namespace; pcap records the frames', (mode) => {
      expect(result('netns-up').status).toBe(0);
      const r = result(`net-${mode}`);
      expect(r.output).toContain(`serving ICMP echo on ${GUEST_IP}`);
      expect(r.output).toMatch(new RegExp(`${PINGS} packets transmitted, ${PINGS} (packets )?received`));
      expect(r.output).toContain(`answered ${PINGS + 2} echo requests`);
      // The MAC given with --net-mac is the one the image answered ARP with.
      expect(r.output).toContain(`lladdr ${GUEST_MAC}`);
      // 24-byte header + at least ARP request/reply and the requests/replies.
      expect(r.output).toMatch(/magic\s+a1b2c3d4/);
      const pcap = Number(/pcap bytes (\d+)/.exec(r.output)?.[1]);
      expect(pcap).toBeGreaterThan(24 + 14 * (16 + 42));
      // With rings, frames move without per-frame hypercalls; without, each frame is one.
      const calls = /kiln-hvt: hypercalls: (.*)/.exec(r.output)?.[1] ?? '';
      if (mode === 'ring') {
        expect(calls).toContain('net_ring_setup=1');
        expect(calls).not.toMatch(/net_read|net_write/);
      } else {
        expect(calls).not.toContain('net_ring_setup');
        expect(Number(/net_write=(\d+)/.exec(calls)?.[1])).toBeGreaterThanOrEqual(PINGS + 2);
      }
      expect(r.status).toBe(0);
    });

    it('hostile guest: every bad pointer, length and handle is refused', () => {
      expectPassed(result('hostile'), 'all refusals correct');
      expect(result('hostile-disk').output).toContain('untouched');
    });

    it.each(Object.keys(fatal))('hostile guest --fatal=%s is stopped with one line and status 255', (f) => {
      const r = result(`hostile-${f}`);
      expect(r.output).toMatch(fatal[f]!);
      expect(r.output).not.toContain('the tender let the guest go on');
      expect(r.status).toBe(255);
    });

    it('namespace removed', () => {
      expect(result('netns-down').status).toBe(0);
    });
  });
}

// Keeps this file honest: every platform test image it names is one the
// Makefile builds (images other suites own, such as fork, may be added).
describe('image list', () => {
  it('is built by the Makefile', async () => {
    const makefile = await readFile(new URL('../../platform-solo5/Makefile', import.meta.url), 'utf8');
    const built = /^TESTS := (.*)$/m.exec(makefile)?.[1]?.split(' ') ?? [];
    expect(built).toEqual(expect.arrayContaining(IMAGES));
  });
});
