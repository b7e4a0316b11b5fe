/**
 * Booting an image where this host has no /dev/kvm: kiln-hvt runs inside an
 * emulated Linux machine (QEMU, nested KVM; see machine/), which has
 * one. Slower to start (seconds), but the image and the tender are the real
 * ones, and the run behaves like one on a KVM host:
 *
 * - the image's console streams as it comes;
 * - `--publish HOSTPORT:GUESTPORT`: QEMU's user-mode network forwards
 *   127.0.0.1:HOSTPORT into the machine, where a bridge joins its NIC and the
 *   image's tap, so the image itself holds the forwarded address
 *   (VM_IMAGE_ADDRESS, QEMU's first DHCP address; gateway 10.0.2.2);
 * - `--block NAME=FILE`: the file is the machine's virtio disk, so the
 *   image's writes land in it (flushed before the machine powers off);
 * - Ctrl-C asks the machine to stop kiln-hvt (SIGINT, as on a KVM host),
 *   flush the disks and power off; a second Ctrl-C kills the machine.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { ARCHES } from '../machine/arch.ts';
import { HOST_ARCH, hostKvmProblem } from '../machine/host.ts';
import { runInVm, vmAvailable, VmError, type RunningMachine } from '../machine/vm.ts';
import type { Arch } from './image.ts';
import { checkPortsFree, type PortMapping } from './publish.ts';
import { UsageError } from './usage-error.ts';

/** Where the image sits on QEMU's user-mode network, and its gateway there. */
export const VM_IMAGE_ADDRESS = '10.0.2.15';
export const VM_GATEWAY = '10.0.2.2';
const GUEST_TAP = 'kiln0';

/** Single-quotes `text` for sh. */
const shQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export interface VmDevices {
  /** Host ports forwarded to the image's ports. */
  publish: PortMapping[];
  /** Block devices: manifest name and host file. */
  blocks: { name: string; file: string }[];
}

/**
 * The script run in the machine: the bridge for published ports, kiln-hvt in
 * the background, a watcher that turns (stopLine) on the console into
 * SIGINT for it, then a flush of the disks.
 */
function machineScript(command: string, consoleDevice: string, stopLine: string, bridged: boolean): string {
  const bridge = [
    'ip link add name br0 type bridge',
    `ip tuntap add dev ${GUEST_TAP} mode tap`,
    'ip link set eth0 master br0',
    `ip link set ${GUEST_TAP} master br0`,
    `for l in eth0 ${GUEST_TAP} br0; do ip link set $l up || exit 125; done`,
  ];
  return [
    ...(bridged ? bridge : []),
    `stty -F /dev/${consoleDevice} -echo 2>/dev/null`,
    `${command} &`,
    'pid=$!',
    `( while read -r line; do [ "$line" = ${stopLine} ] && kill -INT $pid; done </dev/${consoleDevice} ) &`,
    'watcher=$!',
    'wait $pid',
    'status=$?',
    'kill $watcher 2>/dev/null',
    'sync',
    'exit $status',
    '',
  ].join('\n');
}

/** Taps are host devices: the emulated machine cannot have them. */
export function refuseHostTaps(tenderArgs: readonly string[]): void {
  const hostOnly = tenderArgs.find((a) => a.startsWith('--net:') || a.startsWith('--fork-net:'));
  if (hostOnly) {
    throw new UsageError(`kiln run: ${hostOnly} names a tap on this host, which the emulated machine cannot reach: use --publish HOSTPORT:GUESTPORT`);
  }
}

/**
 * Runs `kiln-hvt tenderArgs -- image imageArgs` in the emulated machine
 * (imageArgs already hold the address --publish needs); resolves with its
 * exit status.
 */
export async function bootInVm(arch: Arch, tender: string, image: string, tenderArgs: string[], imageArgs: string[], devices: VmDevices): Promise<number> {
  refuseHostTaps(tenderArgs);
  await checkPortsFree(devices.publish);
  const reason = await vmAvailable(arch);
  const why = (await hostKvmProblem()) ?? `this host runs ${HOST_ARCH ?? process.arch} guests, not ${arch}`;
  if (reason !== null) throw new UsageError(`kiln run: ${why}, and the emulated machine cannot run: ${reason}`);

  const guestImage = `/images/${basename(image)}`;
  const disks = devices.blocks.map((b) => b.file);
  const guestArgs = [
    ...tenderArgs,
    ...devices.blocks.map((b, i) => `--block:${b.name}=/dev/vd${String.fromCharCode(97 + i)}`),
    ...(devices.publish.length > 0 ? [`--net:service=${GUEST_TAP}`] : []),
    '--', guestImage,
    ...imageArgs,
  ];
  const stopLine = `kiln-stop-${randomBytes(6).toString('hex')}`;
  const script = machineScript(['kiln-hvt', ...guestArgs].map(shQuote).join(' '), ARCHES[arch].console, stopLine, devices.publish.length > 0);

  console.error(
    `kiln run: ${why}; booting kiln-hvt inside an emulated ${arch} Linux machine ` +
      `(QEMU with nested KVM, machine/); Ctrl-C stops the image, then the machine`,
  );
  for (const m of devices.publish) console.error(`kiln run: 127.0.0.1:${m.host} -> image port ${m.guest} (image at ${VM_IMAGE_ADDRESS} in the machine)`);

  let machine: RunningMachine | undefined;
  let stopping = false;
  const stop = (): void => {
    if (!machine) process.exit(130); // still preparing: nothing runs yet
    if (!stopping) {
      stopping = true;
      console.error('kiln run: stopping the image (Ctrl-C again stops the machine at once)');
      machine.writeConsole(`${stopLine}\n`);
    } else {
      machine.kill();
    }
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  try {
    const result = await runInVm({
      arch,
      files: { '/usr/local/bin/kiln-hvt': tender, [guestImage]: image },
      script,
      disks,
      forwards: devices.publish.map((m) => ({ hostPort: m.host, guestAddress: VM_IMAGE_ADDRESS, guestPort: m.guest })),
      timeoutMs: Infinity,
      onOutput: (text) => process.stdout.write(text),
      onStart: (m) => (machine = m),
    });
    console.error(`kiln run: the machine booted in ${(result.bootMs / 1000).toFixed(1)} s; kiln-hvt exited with ${result.exitCode}`);
    return result.exitCode;
  } catch (err) {
    if (err instanceof VmError && stopping) {
      console.error('kiln run: the machine was stopped at once; writes not yet flushed to disk files are lost');
      return 130;
    }
    throw err;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}
