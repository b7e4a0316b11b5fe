// What this host offers for running images directly: its own guest
// architecture and whether /dev/kvm is usable. Where it is not, images run
// inside the emulated machine of vm.ts.

import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

import type { VmArch } from './arch.ts';

/** The architecture of this host's own guests (what kiln-hvt here can run), if it is one Kiln builds for. */
export const HOST_ARCH: VmArch | undefined = ({ x64: 'x86_64', arm64: 'aarch64' } as const)[process.arch as 'x64' | 'arm64'];

/** True when kiln-hvt can open /dev/kvm here. */
export async function hostHasKvm(): Promise<boolean> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
