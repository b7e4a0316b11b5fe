// Kernel modules for the machine's optional devices: a virtio NIC (QEMU's
// user-mode network, for ports forwarded from the host) and virtio disks
// (host files). The base initramfs leaves them out, so runs that use neither
// boot exactly as before; a run that does gets them in its own archive and
// loads them first. Taken from the kernel package the machine boots (named
// in its cache entry) and cached apart from that entry, in
// build/vm-cache/devices-<arch>/<kernel package>/.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { ARCHES, NETWORK_MODULES, type VmArch } from './arch.ts';
import { fetchAndUnpack } from './debian.ts';
import { moduleLoadOrder, type Module } from './modules.ts';
import { REPO_ROOT, type MachineFiles } from './rootfs.ts';

/** virtio over PCI on both machines (x86_64 pc, aarch64 virt): the transport, a NIC, a disk. */
const DEVICE_MODULES = ['virtio_pci', 'virtio_net', 'virtio_blk'];

/** Guest directory the run archive puts them in. */
export const DEVICE_MODULE_DIR = '/lib/modules/kiln-devices';

/** The modules to insmod in order (those the base already loads left out), as host files. */
export async function deviceModules(arch: VmArch, machine: MachineFiles): Promise<Module[]> {
  const kernelPkg = (await readFile(join(dirname(machine.baseInitramfs), 'kernel-package'), 'utf8')).trim();
  const dir = join(REPO_ROOT, 'build', 'vm-cache', `devices-${arch}`, kernelPkg);
  const orderFile = join(dir, 'order');
  if (!existsSync(orderFile)) await buildEntry(arch, kernelPkg, dir);
  const names = (await readFile(orderFile, 'utf8')).split('\n').filter(Boolean);
  return names.map((name) => ({ name, path: join(dir, `${name}.ko`) }));
}

async function buildEntry(arch: VmArch, kernelPkg: string, dir: string): Promise<void> {
  const spec = ARCHES[arch];
  await mkdir(dirname(dir), { recursive: true });
  // Built aside and renamed into place, as rootfs.ts does: a racing run discards its copy.
  const work = await mkdtemp(join(dirname(dir), '.building-'));
  try {
    const [debs, root, out] = ['debs', 'root', 'out'].map((d) => join(work, d)) as [string, string, string];
    await Promise.all([debs, root, out].map((d) => mkdir(d)));
    await fetchAndUnpack([kernelPkg], spec.debianArch, debs, root);
    const base = new Set((await moduleLoadOrder(root, [...spec.kvmModules, ...NETWORK_MODULES])).map((m) => m.name));
    const order = (await moduleLoadOrder(root, DEVICE_MODULES)).filter((m) => !base.has(m.name));
    for (const m of order) await writeFile(join(out, `${m.name}.ko`), await readFile(m.path));
    await writeFile(join(out, 'order'), order.map((m) => `${m.name}\n`).join(''));
    try {
      await rename(out, dir);
    } catch (error) {
      if (!existsSync(join(dir, 'order'))) throw error;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
