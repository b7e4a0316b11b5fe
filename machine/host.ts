// What this host offers for running images directly: its own guest
// architecture and whether its /dev/kvm runs kiln-hvt's guests. Where it does
// not, images run inside the emulated machine of vm.ts.

import { execFile } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';

import type { VmArch } from './arch.ts';
import { REPO_ROOT } from './rootfs.ts';

/** The architecture of this host's own guests (what kiln-hvt here can run), if it is one Kiln builds for. */
export const HOST_ARCH: VmArch | undefined = ({ x64: 'x86_64', arm64: 'aarch64' } as const)[process.arch as 'x64' | 'arm64'];

const PROBE_TIMEOUT_MS = 30_000;

/** Boots the C hello image with the built kiln-hvt; null when it ran as it should, else what went wrong. */
function bootProbe(tender: string, image: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(tender, ['--mem=8', image], { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err && stdout.includes('SUCCESS')) return resolve(null);
      const why = `${stderr}${stdout}`.split('\n').find((line) => line.startsWith('kiln-hvt:')) ?? (err ? err.message : 'no SUCCESS line');
      resolve(why.trim());
    });
  });
}

let problem: Promise<string | null> | undefined;

/**
 * Why this host's /dev/kvm cannot run kiln-hvt's guests, or null when it
 * can. Beyond opening the device, this boots a small image once per process:
 * a /dev/kvm can exist and still refuse them (this project's kvm-pvm hosts
 * raised #GP at a CPL3 guest's port-I/O hypercalls before kiln-hvt moved
 * them to MMIO). KILN_EMULATED=1 sends images to the emulated machine anyway
 * (to compare, or to check that path).
 */
export function hostKvmProblem(): Promise<string | null> {
  problem ??= (async (): Promise<string | null> => {
    if (process.env.KILN_EMULATED === '1') return 'KILN_EMULATED=1 asks for the emulated machine';
    if (!HOST_ARCH) return `no KVM guests of this host's architecture (${process.arch})`;
    try {
      await access('/dev/kvm', constants.R_OK | constants.W_OK);
    } catch {
      return 'no usable /dev/kvm';
    }
    const tender = join(REPO_ROOT, 'build', HOST_ARCH, 'kiln-hvt');
    const image = join(REPO_ROOT, 'build', HOST_ARCH, 'tests', 'hello.hvt');
    if (!existsSync(tender) || !existsSync(image)) return `kiln-hvt or its probe image is not built (make -C platform-solo5)`;
    const failure = await bootProbe(tender, image);
    return failure === null ? null : `/dev/kvm does not run kiln-hvt guests here (${failure})`;
  })();
  return problem;
}

/** True when kiln-hvt can run guests on this host's /dev/kvm. */
export async function hostHasKvm(): Promise<boolean> {
  return (await hostKvmProblem()) === null;
}
