// Boots each emulated machine once and checks, in one batch script, what
// tests of Kiln's tender rely on: /dev/kvm runs a guest, files arrive with
// their modes, network namespaces, taps, veth pairs and ping work, and the
// script's output and exit status come back exactly.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { caseResult, casesScript, splitCaseOutput, type KvmCase, type KvmCaseResult } from './cases.ts';
import { compilerMissing } from './compiler.ts';
import { buildKvmSmoke } from './kvm-smoke/build.ts';
import { VmError, runInVm, vmAvailable, type VmArch, type VmRunResult } from '../../machine/vm.ts';

const BOOT_TIMEOUT_MS = 10 * 60_000;
const ARCH_LIST: VmArch[] = ['x86_64', 'aarch64'];

const CASES: KvmCase[] = [
  { name: 'smoke-once', run: 'kvm-smoke' },
  { name: 'smoke-many', run: 'kvm-smoke 2000' },
  { name: 'smoke-bad-arg', run: 'kvm-smoke 0' },
  { name: 'file-arrived', run: 'cat /data/hello.txt' },
  { name: 'file-mode', run: 'test -x /usr/local/bin/kvm-smoke && ! test -x /data/hello.txt' },
  { name: 'netns', run: 'ip netns add left && ip netns add right && ip netns list | cut -d" " -f1 | sort | tr "\\n" " "' },
  { name: 'veth', run: 'ip link add name va type veth peer name vb && ip link set va netns left && ip link set vb netns right' },
  {
    name: 'addresses',
    run: 'ip -n left addr add 10.9.0.1/24 dev va && ip -n right addr add 10.9.0.2/24 dev vb && ip -n left link set va up && ip -n right link set vb up',
  },
  { name: 'ping', run: 'ip netns exec left ping -c 2 -W 5 10.9.0.2' },
  { name: 'tap', run: 'ip tuntap add tap7 mode tap && ip link set tap7 netns left && ip -n left -o link show tap7' },
];
const TAG = 'VM-TEST';
// runInVm itself, not runKvmCases: the tail checks that output and exit status come back exactly.
const SCRIPT = `${casesScript(CASES, TAG)}printf 'last line without newline'\nexit 3\n`;

for (const arch of ARCH_LIST) {
  const reason = (await vmAvailable(arch)) ?? (await compilerMissing(arch));
  if (reason) console.warn(`SKIPPED: vm.test.ts ${arch}: ${reason}`);

  describe.skipIf(reason !== null)(`emulated ${arch} machine with /dev/kvm`, () => {
    let result: VmRunResult;
    let cases: Map<string, KvmCaseResult>;
    let dataDir: string;
    const streamed: string[] = [];

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'kiln-vm-test-'));
      const hello = join(dataDir, 'hello.txt');
      await writeFile(hello, 'héllo from the host\n', { mode: 0o644 });
      result = await runInVm({
        arch,
        files: { '/usr/local/bin/kvm-smoke': await buildKvmSmoke(arch), '/data/hello.txt': hello },
        script: SCRIPT,
        timeoutMs: BOOT_TIMEOUT_MS,
        onOutput: (text) => streamed.push(text),
      });
      cases = splitCaseOutput(result.output, CASES, TAG);
      console.log(`${arch}: boot to script ${result.bootMs} ms, cases ${result.scriptMs} ms`);
    }, BOOT_TIMEOUT_MS + 60_000);

    afterAll(async () => {
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('runs a KVM guest: one write then halt', () => {
      const { status, output } = caseResult(cases, 'smoke-once');
      expect(output).toMatch(new RegExp(`^kvm-smoke: ok arch=${arch} writes=1 `));
      expect(status).toBe(0);
    });

    it('runs a KVM guest through 2000 exits, reporting the cost of one', () => {
      const { status, output } = caseResult(cases, 'smoke-many');
      expect(status).toBe(0);
      const perExit = /per_exit_us=([0-9.]+)/.exec(output);
      expect(perExit).not.toBeNull();
      console.log(`${arch}: ${output}`);
    });

    it('kvm-smoke itself fails on bad input, so its success means something', () => {
      const { status, output } = caseResult(cases, 'smoke-bad-arg');
      expect(status).toBe(1);
      expect(output).toContain('WRITES must be an integer from 1 to');
    });

    it('places the given files, bytes and modes intact', () => {
      expect(caseResult(cases, 'file-arrived')).toEqual({ status: 0, output: 'héllo from the host\n' });
      expect(caseResult(cases, 'file-mode').status).toBe(0);
    });

    it('has network namespaces, veth pairs and ping between namespaces', () => {
      expect(caseResult(cases, 'netns')).toEqual({ status: 0, output: 'left right ' });
      expect(caseResult(cases, 'veth').status).toBe(0);
      expect(caseResult(cases, 'addresses').status).toBe(0);
      const ping = caseResult(cases, 'ping');
      expect(ping.output).toContain('2 packets transmitted, 2 packets received');
      expect(ping.status).toBe(0);
    });

    it('creates tap devices and moves them into a namespace', () => {
      const tap = caseResult(cases, 'tap');
      expect(tap.status).toBe(0);
      expect(tap.output).toMatch(/tap7: <[^>]*> mtu 1500/);
    });

    it('returns the output exactly and the exit status of the script', () => {
      expect(result.output.endsWith(`\n${TAG} end tap 0\nlast line without newline`)).toBe(true);
      expect(result.exitCode).toBe(3);
      expect(result.console).toContain('KILN-VM-KERNEL-LOG');
    });

    it('streams the same output while the script runs', () => {
      expect(streamed.length).toBeGreaterThan(1);
      expect(streamed.join('')).toBe(result.output);
    });
  });
}

const x86Reason = await vmAvailable('x86_64');
describe.skipIf(x86Reason !== null)('runInVm failures', () => {
  it('kills a machine whose script outlives the timeout and says so', async () => {
    // The script never ends, so any timeout must fire; a short one keeps the test cheap.
    const failure = runInVm({ arch: 'x86_64', script: 'echo started; while :; do sleep 1; done', timeoutMs: 2_000 });
    await expect(failure).rejects.toThrow(VmError);
    await expect(failure).rejects.toThrow(/timed out before the script/);
  }, 120_000);
});

describe('runInVm argument checks (no machine needed)', () => {
  it('rejects relative guest paths, missing and non-regular host files before booting', async () => {
    await expect(runInVm({ arch: 'x86_64', script: '', files: { 'rel/path': '/etc/hostname' } })).rejects.toThrow(/must be absolute/);
    await expect(runInVm({ arch: 'x86_64', script: '', files: { '/x': '/nonexistent/file' } })).rejects.toThrow(/guest path \/x: ENOENT/);
    await expect(runInVm({ arch: 'x86_64', script: '', files: { '/x': tmpdir() } })).rejects.toThrow(/is not a regular file/);
    await expect(runInVm({ arch: 'x86_64', script: '', files: { '/etc/kiln-vm/modules': '/etc/hostname' } })).rejects.toThrow(/belongs to the harness/);
    await expect(runInVm({ arch: 'x86_64', script: '', files: { '/init': '/etc/hostname' } })).rejects.toThrow(/belongs to the harness/);
  });

  it('rejects an unknown architecture and bad sizes', async () => {
    await expect(runInVm({ arch: 'riscv64' as VmArch, script: '' })).rejects.toThrow(/unknown arch 'riscv64'/);
    await expect(runInVm({ arch: 'x86_64', script: '', memMb: 16 })).rejects.toThrow(/memMb/);
    await expect(runInVm({ arch: 'x86_64', script: '', timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
    expect(await vmAvailable('riscv64' as VmArch)).toMatch(/unknown arch/);
  });
});
