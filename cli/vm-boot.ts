/**
 * Booting an image where this host has no /dev/kvm: kiln-hvt runs inside an
 * emulated Linux machine (QEMU, nested KVM; see machine/), which has
 * one. Slower to start (seconds) and its output arrives when it ends, but the
 * image and the tender are the real ones.
 */
import { basename } from 'node:path';
import { HOST_ARCH, hostKvmProblem } from '../machine/host.ts';
import { runInVm, vmAvailable } from '../machine/vm.ts';
import type { Arch } from './image.ts';
import { UsageError } from './usage-error.ts';

/** Single-quotes `text` for sh. */
const shQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** Runs `kiln-hvt tenderArgs -- image imageArgs` in the emulated machine; resolves with its exit status. */
export async function bootInVm(arch: Arch, tender: string, image: string, tenderArgs: string[], imageArgs: string[]): Promise<number> {
  const reason = await vmAvailable(arch);
  const why = (await hostKvmProblem()) ?? `this host runs ${HOST_ARCH ?? process.arch} guests, not ${arch}`;
  if (reason !== null) throw new UsageError(`kiln run: ${why}, and the emulated machine cannot run: ${reason}`);
  console.error(
    `kiln run: ${why}; booting kiln-hvt inside an emulated ${arch} Linux machine ` +
      `(QEMU with nested KVM, machine/): the output follows when it ends`,
  );
  const guestImage = `/images/${basename(image)}`;
  const command = ['kiln-hvt', ...tenderArgs, '--', guestImage, ...imageArgs].map(shQuote).join(' ');
  const result = await runInVm({
    arch,
    files: { '/usr/local/bin/kiln-hvt': tender, [guestImage]: image },
    script: command,
    timeoutMs: 10 * 60_000,
  });
  process.stdout.write(result.output);
  console.error(`kiln run: the machine booted in ${(result.bootMs / 1000).toFixed(1)} s; kiln-hvt exited with ${result.exitCode}`);
  return result.exitCode;
}
