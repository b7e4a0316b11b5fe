import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { moduleLoadOrder } from './modules.ts';

const hasCc = spawnSync('cc', ['--version']).status === 0;
if (!hasCc) console.warn('SKIPPED: modules.test.ts needs a host C compiler (cc) to make stand-in module files');

describe.skipIf(!hasCc)('moduleLoadOrder', () => {
  let root: string;
  let kernelDir: string;

  /** A stand-in .ko: an ELF object whose .modinfo section says what it depends on. */
  async function fakeModule(file: string, depends: string): Promise<void> {
    const source = join(root, 'modinfo.c');
    await writeFile(source, `__attribute__((section(".modinfo"), used)) static const char info[] = "license=GPL\\0depends=${depends}";\n`);
    await mkdir(join(kernelDir, file, '..'), { recursive: true });
    execFileSync('cc', ['-c', '-o', join(kernelDir, file), source]);
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kiln-modules-'));
    const base = join(root, 'lib', 'modules', '6.1.0-test');
    kernelDir = join(base, 'kernel');
    await fakeModule('arch/kvm-amd.ko', 'kvm,ccp');
    await fakeModule('arch/kvm.ko', 'irqbypass');
    await fakeModule('virt/irqbypass.ko', '');
    await fakeModule('crypto/ccp.ko', '');
    await fakeModule('net/loop-a.ko', 'loop_b');
    await fakeModule('net/loop-b.ko', 'loop_a');
    await fakeModule('net/needs-gone.ko', 'gone');
    await writeFile(join(base, 'modules.builtin'), 'kernel/drivers/net/tun.ko\n');
  });

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('puts dependencies first, once each, treating "-" and "_" alike', async () => {
    const order = await moduleLoadOrder(root, ['kvm-amd', 'kvm']);
    expect(order.map((m) => m.name)).toEqual(['irqbypass', 'kvm', 'ccp', 'kvm_amd']);
    expect(order[3]!.path).toBe(join(kernelDir, 'arch/kvm-amd.ko'));
  });

  it('skips modules built into the kernel', async () => {
    expect(await moduleLoadOrder(root, ['tun', 'ccp'])).toEqual([{ name: 'ccp', path: join(kernelDir, 'crypto/ccp.ko') }]);
  });

  it('names a missing module and a dependency cycle', async () => {
    await expect(moduleLoadOrder(root, ['needs-gone'])).rejects.toThrow(/kernel module gone is neither in 6\.1\.0-test's package nor built in/);
    await expect(moduleLoadOrder(root, ['loop_a'])).rejects.toThrow(/module dependency cycle: loop_a -> loop_b -> loop_a/);
  });
});
