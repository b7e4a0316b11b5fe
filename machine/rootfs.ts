// Builds, once per architecture, what every run of that machine shares: the
// kernel and a base initramfs (two busyboxes and iproute2's ip with their
// libraries, the KVM and network modules, the init). Cached under
// build/vm-cache/<arch>/<recipe hash>/; a fresh machine fetches it all with
// apt on first use, and a change to the recipe (these files) rebuilds it.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ARCHES, NETWORK_MODULES, STATIC_BUSYBOX_PACKAGE, USERSPACE_PACKAGES, type ArchSpec, type VmArch } from './arch.ts';
import { CpioWriter } from './cpio.ts';
import { fetchAndUnpack, kernelPackage } from './debian.ts';
import { ElfFile } from './elf.ts';
import { moduleLoadOrder } from './modules.ts';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const CACHE_ROOT = join(REPO_ROOT, 'build', 'vm-cache');
const INIT_SCRIPT = fileURLToPath(new URL('./init.sh', import.meta.url));
/** The files whose content decides what a cache entry holds. */
const RECIPE_FILES = ['./init.sh', './arch.ts', './cpio.ts', './elf.ts', './modules.ts', './rootfs.ts'].map((f) => fileURLToPath(new URL(f, import.meta.url)));

export interface MachineFiles {
  kernel: string;
  /** A complete newc archive; a run appends its own archive after it. */
  baseInitramfs: string;
}

/**
 * The cache entry for arch: build/vm-cache/<arch>/<recipe hash>/. The
 * kernel package is resolved only when the entry is built (apt-cache takes
 * seconds here); delete build/vm-cache to pick up a newer Debian kernel.
 */
async function entryFiles(arch: VmArch): Promise<MachineFiles> {
  const dir = join(CACHE_ROOT, arch, await recipeHash());
  return { kernel: join(dir, 'vmlinuz'), baseInitramfs: join(dir, 'base.cpio') };
}

/** The cached machine files for arch, or null when the first run has yet to fetch them. */
export async function cachedMachine(arch: VmArch): Promise<MachineFiles | null> {
  const files = await entryFiles(arch);
  return existsSync(files.baseInitramfs) ? files : null;
}

const preparing = new Map<VmArch, Promise<MachineFiles>>();

/** Returns the cached kernel and base initramfs for arch, fetching and building them on first use. */
export function prepareMachine(arch: VmArch): Promise<MachineFiles> {
  let pending = preparing.get(arch);
  if (!pending) {
    pending = buildMachine(arch);
    preparing.set(arch, pending);
    pending.catch(() => preparing.delete(arch)); // a failure is retried by the next caller
  }
  return pending;
}

async function buildMachine(arch: VmArch): Promise<MachineFiles> {
  const files = await entryFiles(arch);
  if (existsSync(files.baseInitramfs)) return files;
  const spec = ARCHES[arch];
  const dir = dirname(files.baseInitramfs);
  const kernelPkg = await kernelPackage(spec.kernelFlavour, spec.debianArch);

  // Build in a private directory and rename it into place: concurrent test
  // files never see half a cache entry, and the loser of a race just discards its copy.
  await mkdir(dirname(dir), { recursive: true });
  const work = await mkdtemp(join(dirname(dir), '.building-'));
  try {
    const at = (name: string): string => join(work, name);
    const out = at('out');
    await Promise.all(['root', 'debs', 'static-root', 'static-debs', 'out'].map((d) => mkdir(at(d))));
    await fetchAndUnpack([kernelPkg, ...USERSPACE_PACKAGES], spec.debianArch, at('debs'), at('root'));
    await fetchAndUnpack([STATIC_BUSYBOX_PACKAGE], spec.debianArch, at('static-debs'), at('static-root'));
    await writeFile(join(out, 'vmlinuz'), await bootableKernel(spec, await kernelImage(at('root')), work));
    await writeFile(join(out, 'base.cpio'), await baseArchive(spec, at('root'), at('static-root')));
    await writeFile(join(out, 'kernel-package'), `${kernelPkg}\n`);
    try {
      await rename(out, dir);
    } catch (error) {
      if (!existsSync(files.baseInitramfs)) throw error;
    }
    await removeOtherEntries(dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return files;
}

/** Entries of older recipes are dead weight (about 100 MB each). */
async function removeOtherEntries(current: string): Promise<void> {
  const archDir = dirname(current);
  for (const name of await readdir(archDir)) {
    const path = join(archDir, name);
    if (path !== current && !name.startsWith('.building-')) await rm(path, { recursive: true, force: true });
  }
}

async function recipeHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of RECIPE_FILES) hash.update(await readFile(file));
  return hash.digest('hex').slice(0, 12);
}

async function kernelImage(root: string): Promise<string> {
  const images = (await readdir(join(root, 'boot'))).filter((f) => f.startsWith('vmlinuz-'));
  if (images.length !== 1) throw new Error(`expected one /boot/vmlinuz-* in the kernel package, found ${images.length}`);
  return join(root, 'boot', images[0]!);
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

async function bootableKernel(spec: ArchSpec, image: string, work: string): Promise<Uint8Array> {
  const bytes = await readFile(image);
  if (spec.kernelFormat === 'as-is') return bytes;
  // The bzImage's payload is one xz stream; what follows it (the decompressor's tail) is not ours.
  const start = bytes.indexOf(XZ_MAGIC);
  if (start < 0) throw new Error(`${image}: no xz stream inside; expected an xz-compressed bzImage`);
  const payload = join(work, 'kernel-payload.xz');
  await writeFile(payload, bytes.subarray(start));
  const { stdout } = await promisify(execFile)('xz', ['-dc', '--single-stream', payload], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const vmlinux = new ElfFile(`${image} (unpacked)`, stdout);
  if (vmlinux.machine !== spec.elfMachine) throw new Error(`${image}: unpacked kernel is for ELF machine ${vmlinux.machine}`);
  return stdout;
}

/** Where the dynamic busybox goes; /bin/sh and /bin/ash point to it (see USERSPACE_PACKAGES). */
const SHELL_BUSYBOX = '/usr/lib/kiln-vm/busybox';

async function baseArchive(spec: ArchSpec, root: string, staticRoot: string): Promise<Uint8Array> {
  const cpio = new CpioWriter();
  cpio.file('init', await readFile(INIT_SCRIPT), 0o755);
  await addProgram(cpio, spec, staticRoot, '/bin/busybox', 'bin/busybox');
  await addProgram(cpio, spec, root, '/bin/busybox', SHELL_BUSYBOX);
  for (const shell of ['bin/sh', 'bin/ash']) cpio.symlink(shell, SHELL_BUSYBOX);
  await addProgram(cpio, spec, root, '/bin/ip', 'sbin/ip');
  await addProgram(cpio, spec, root, '/sbin/tc', 'sbin/tc');
  const modules = await moduleLoadOrder(root, [...spec.kvmModules, ...NETWORK_MODULES]);
  for (const { name, path } of modules) cpio.file(`lib/modules/${name}.ko`, await readFile(path));
  cpio.file('etc/kiln-vm/modules', new TextEncoder().encode(modules.map((m) => `${m.name}\n`).join('')));
  return cpio.finish();
}

/** Adds a dynamically linked program with its interpreter and, transitively, its libraries. */
async function addProgram(cpio: CpioWriter, spec: ArchSpec, root: string, from: string, to: string): Promise<void> {
  const program = await readElf(spec, root, from);
  cpio.file(to, program.bytes, 0o755);
  const interpreter = program.elf.interpreter();
  if (interpreter === null) return;
  if (!cpio.has(interpreter)) cpio.file(interpreter, (await readElf(spec, root, interpreter)).bytes, 0o755);
  const pending = program.elf.needed();
  const libDirs = [`/lib/${spec.triplet}`, `/usr/lib/${spec.triplet}`];
  while (pending.length > 0) {
    const soname = pending.shift()!;
    const target = `lib/${spec.triplet}/${soname}`;
    if (cpio.has(target)) continue;
    const found = libDirs.map((d) => posix.join(d, soname)).find((p) => existsSync(join(root, p)));
    if (!found) throw new Error(`${from} needs ${soname}, which none of the unpacked packages has: add its package to USERSPACE_PACKAGES in arch.ts`);
    const lib = await readElf(spec, root, found);
    cpio.file(target, lib.bytes, 0o755);
    pending.push(...lib.elf.needed());
  }
}

async function readElf(spec: ArchSpec, root: string, path: string): Promise<{ elf: ElfFile; bytes: Uint8Array }> {
  const bytes = await readFile(await resolveInRoot(root, path));
  const elf = new ElfFile(path, bytes);
  if (elf.machine !== spec.elfMachine) throw new Error(`${path}: ELF machine ${elf.machine}, expected ${spec.elfMachine}`);
  return { elf, bytes };
}

/** Follows symbolic links the way the guest will, with `root` as "/": absolute targets stay inside it. */
async function resolveInRoot(root: string, path: string): Promise<string> {
  let current = posix.normalize(path);
  for (let hops = 0; hops < 40; hops++) {
    const host = join(root, current);
    if (!(await lstat(host)).isSymbolicLink()) return host;
    const target = await readlink(host);
    current = posix.normalize(target.startsWith('/') ? target : posix.join(posix.dirname(current), target));
  }
  throw new Error(`${path}: too many levels of symbolic links`);
}
