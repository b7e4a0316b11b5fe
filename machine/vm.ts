// Runs a shell script inside an emulated Linux machine (x86_64 or aarch64,
// QEMU with TCG) in which /dev/kvm works, so Kiln's tender can be tested
// with real KVM on a host that has none. See README.md for the contract.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ARCHES, type VmArch } from './arch.ts';
import { CpioWriter } from './cpio.ts';
import { kernelPackage } from './debian.ts';
import { DEVICE_MODULE_DIR, deviceModules } from './device-modules.ts';
import { cachedMachine, prepareMachine, type MachineFiles } from './rootfs.ts';
import { SerialCapture } from './serial.ts';

export type { VmArch } from './arch.ts';

export interface VmRunOptions {
  arch: VmArch;
  /** Files to place in the guest: guest path -> host path of a regular file (its mode is kept). */
  files?: Record<string, string>;
  /** Run by busybox `sh` as root in /root, stdout and stderr together, after /dev/kvm is up. */
  script: string;
  /** Whole run including boot; the machine is killed when it passes. Default 5 minutes; Infinity: no limit. */
  timeoutMs?: number;
  /** Guest memory; the initramfs (and so every file) lives in it. Default 1024. */
  memMb?: number;
  /** Called with the script's output as it arrives (the same text `output` will hold, in pieces). */
  onOutput?: (text: string) => void;
  /**
   * TCP ports of the host's loopback forwarded into the machine. The machine
   * then has a virtio NIC, eth0, on QEMU's user-mode network (10.0.2.0/24:
   * gateway 10.0.2.2, DNS 10.0.2.3), unconfigured; 127.0.0.1:hostPort on the
   * host reaches guestAddress:guestPort on that network.
   */
  forwards?: HostForward[];
  /** Host files attached as virtio disks, /dev/vda, /dev/vdb, ... in order (raw: the guest's writes reach the file). */
  disks?: string[];
  /**
   * Called once QEMU runs, with a way to talk to it. When given, QEMU gets a
   * process group of its own, so a Ctrl-C at the terminal reaches only the
   * caller, which decides what to do with it.
   */
  onStart?: (machine: RunningMachine) => void;
}

export interface HostForward {
  hostPort: number;
  guestAddress: string;
  guestPort: number;
}

export interface RunningMachine {
  /** Sends text to the guest's serial console (the script may read it from /dev/<console>). */
  writeConsole(text: string): void;
  /** Stops the machine at once (SIGKILL); the run then rejects with VmError. */
  kill(): void;
}

export interface VmRunResult {
  /** What the script printed (as UTF-8 text), with the serial line's "\r\n" turned back into "\n". */
  output: string;
  exitCode: number;
  /** From starting QEMU to the script starting: kernel boot and init set-up. */
  bootMs: number;
  /** The script's own run time, as seen from the host. */
  scriptMs: number;
  /** The whole serial console, kernel log (dmesg) after the script included, for diagnosis. */
  console: string;
}

/** The VM did not get the script to its end: set-up failed, QEMU failed, or time ran out. */
export class VmError extends Error {
  override name = 'VmError';
  constructor(
    message: string,
    readonly console: string,
  ) {
    super(`${message}\n--- last console lines ---\n${console.split('\n').slice(-25).join('\n')}`);
  }
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_MEM_MB = 1024;

/**
 * Null when runInVm can work for arch on this host, otherwise a reason fit
 * for a loud skip ("needs qemu-system-aarch64", ...). Downloads nothing.
 */
export async function vmAvailable(arch: VmArch): Promise<string | null> {
  const spec = ARCHES[arch];
  if (!spec) return `unknown arch '${arch}'`;
  for (const [tool, args] of [
    [spec.qemu, ['--version']],
    ['apt-get', ['--version']],
    ['dpkg-deb', ['--version']],
    ['xz', ['--version']],
  ] as const) {
    try {
      await promisify(execFile)(tool, [...args]);
    } catch {
      return `needs ${tool} (${tool.startsWith('qemu') ? 'apt-get install qemu-system-x86 qemu-system-arm' : 'a Debian host'})`;
    }
  }
  if (await cachedMachine(arch)) return null;
  try {
    await kernelPackage(spec.kernelFlavour, spec.debianArch);
  } catch (error) {
    return `needs the ${spec.debianArch} kernel package from apt: ${(error as Error).message}`;
  }
  return null;
}

/** Boots the machine, runs the script once, powers off. Rejects with VmError if the script did not complete. */
export async function runInVm(options: VmRunOptions): Promise<VmRunResult> {
  const spec = ARCHES[options.arch];
  if (!spec) throw new RangeError(`unknown arch '${options.arch}': expected one of ${Object.keys(ARCHES).join(', ')}`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const memMb = options.memMb ?? DEFAULT_MEM_MB;
  if (!Number.isInteger(memMb) || memMb < 128) throw new RangeError(`memMb must be an integer of at least 128, got ${memMb}`);
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);

  const nonce = randomBytes(8).toString('hex');
  const forwards = options.forwards ?? [];
  const disks = options.disks ?? [];
  for (const disk of disks) {
    if (!(await stat(disk).catch(() => null))?.isFile()) throw new Error(`disk ${disk} is not a regular file`);
  }
  const withDevices = forwards.length > 0 || disks.length > 0;
  const archive = await runArchive(options, nonce, withDevices); // checks the caller's files before any download
  const machine = await prepareMachine(options.arch);
  const work = await mkdtemp(join(tmpdir(), 'kiln-vm-'));
  try {
    const initrd = join(work, 'initrd.cpio');
    const parts = [await readFile(machine.baseInitramfs), archive];
    if (withDevices) parts.push(await deviceArchive(options.arch, machine));
    await writeFile(initrd, Buffer.concat(parts));
    const args = [
      ...spec.qemuMachine,
      '-m', String(memMb),
      '-smp', '1',
      '-nographic', '-monitor', 'none', '-no-reboot',
      ...networkArgs(forwards),
      ...disks.flatMap((disk, i) => ['-drive', `file=${qemuValue(disk)},format=raw,if=none,id=kilndisk${i}`, '-device', `virtio-blk-pci,drive=kilndisk${i}`]),
      '-kernel', machine.kernel,
      '-initrd', initrd,
      '-append', `console=${spec.console} quiet panic=-1 rdinit=/init`,
    ];
    const mark = markers(nonce);
    const capture = new SerialCapture([mark.begin, mark.end]);
    const forward = options.onOutput ? outputForwarder(capture, mark, options.onOutput) : undefined;
    return parseConsole(await runQemu(spec.qemu, args, timeoutMs, capture, forward, options.onStart), nonce);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A QEMU option value: commas are doubled. */
const qemuValue = (text: string): string => text.replace(/,/g, ',,');

/** No NIC, or a virtio NIC on QEMU's user-mode network with the forwards. */
function networkArgs(forwards: HostForward[]): string[] {
  if (forwards.length === 0) return ['-nic', 'none'];
  const rules = forwards.map((f) => `hostfwd=tcp:127.0.0.1:${f.hostPort}-${f.guestAddress}:${f.guestPort}`);
  return ['-netdev', ['user', 'id=kilnnet', ...rules].join(','), '-device', 'virtio-net-pci,netdev=kilnnet'];
}

/** Loads the device modules before the caller's script: a failure ends the run with its reason. */
const DEVICE_PRELUDE = `while read -r m; do insmod ${DEVICE_MODULE_DIR}/$m.ko 2>/tmp/insmod.err || { echo "kiln-vm: insmod $m: $(cat /tmp/insmod.err)"; exit 125; }; done <${DEVICE_MODULE_DIR}/order\n`;

/** The device modules, as one more archive appended to the initramfs. */
async function deviceArchive(arch: VmArch, machine: MachineFiles): Promise<Uint8Array> {
  const cpio = new CpioWriter();
  const modules = await deviceModules(arch, machine);
  for (const m of modules) cpio.file(`${DEVICE_MODULE_DIR.slice(1)}/${m.name}.ko`, await readFile(m.path));
  cpio.file(`${DEVICE_MODULE_DIR.slice(1)}/order`, new TextEncoder().encode(modules.map((m) => `${m.name}\n`).join('')));
  return cpio.finish();
}

/** The per-run archive appended to the base initramfs: the nonce, the script and the caller's files. */
async function runArchive(options: VmRunOptions, nonce: string, withDevices: boolean): Promise<Uint8Array> {
  const cpio = new CpioWriter();
  cpio.file('etc/kiln-vm/nonce', new TextEncoder().encode(nonce));
  cpio.file('etc/kiln-vm/script', new TextEncoder().encode((withDevices ? DEVICE_PRELUDE : '') + options.script));
  for (const [guestPath, hostPath] of Object.entries(options.files ?? {})) {
    if (!guestPath.startsWith('/')) throw new Error(`guest path '${guestPath}' must be absolute`);
    if (guestPath === '/init' || guestPath.startsWith('/etc/kiln-vm/')) throw new Error(`guest path '${guestPath}' belongs to the harness's init`);
    const info = await stat(hostPath).catch((error: Error) => {
      throw new Error(`file for guest path ${guestPath}: ${error.message}`);
    });
    if (!info.isFile()) throw new Error(`file for guest path ${guestPath}: ${hostPath} is not a regular file`);
    cpio.file(guestPath, await readFile(hostPath), info.mode);
  }
  return cpio.finish();
}

interface QemuRun {
  capture: SerialCapture;
  timedOut: boolean;
  exit: string;
}

/** QEMU processes still running; killed if this process exits first (a test runner giving up, say). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function runQemu(
  qemu: string,
  args: string[],
  timeoutMs: number,
  capture: SerialCapture,
  onConsole?: () => void,
  onStart?: (machine: RunningMachine) => void,
): Promise<QemuRun> {
  return new Promise((resolve) => {
    const stderr = new SerialCapture([]);
    const child = spawn(qemu, args, { stdio: [onStart ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: onStart !== undefined });
    running.add(child);
    let timedOut = false;
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs)
      : undefined;
    if (onStart) {
      child.stdin?.on('error', () => {}); // QEMU gone: what was sent no longer matters
      onStart({ writeConsole: (text) => child.stdin?.write(text), kill: () => child.kill('SIGKILL') });
    }
    child.stdout!.setEncoding('utf8'); // decodes characters split across chunks correctly
    child.stdout!.on('data', (chunk: string) => {
      capture.add(chunk);
      onConsole?.();
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => stderr.add(chunk));
    const finish = (exit: string): void => {
      clearTimeout(timer);
      running.delete(child);
      const qemuSaid = stderr.text.trim();
      resolve({ capture, timedOut, exit: qemuSaid ? `${exit}: ${qemuSaid}` : exit });
    };
    child.on('error', (error) => finish(`could not start ${qemu}: ${error.message}`));
    child.on('close', (code, signal) => finish(signal ? `${qemu} killed by ${signal}` : `${qemu} exited with ${code}`));
  });
}

/**
 * Passes on the script's output while it runs: everything after the begin
 * marker, except a tail that could be the start of the end marker, until
 * the end marker is there. Only a tail that is such a start is held back
 * (the marker begins with a newline, so at most a line's last newline and
 * what follows it): a server's last line shows while it runs.
 */
function outputForwarder(capture: SerialCapture, mark: Markers, onOutput: (text: string) => void): () => void {
  let emitted = -1;
  return () => {
    const beginAt = capture.foundAt(mark.begin);
    if (beginAt === undefined) return;
    if (emitted < 0) emitted = beginAt + mark.begin.length;
    // A carried "\r" may yet turn out to be half of the tty's "\r\n" (then "\n"): hold it back too.
    const raw = capture.text;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const limit = capture.foundAt(mark.end) ?? text.length - markerStartAtEnd(text, mark.end);
    if (limit <= emitted) return;
    onOutput(text.slice(emitted, limit));
    emitted = limit;
  };
}

/** The length of the longest tail of (text) that is a proper beginning of (marker). */
export function markerStartAtEnd(text: string, marker: string): number {
  for (let k = Math.min(marker.length - 1, text.length); k > 0; k--) {
    if (text.endsWith(marker.slice(0, k))) return k;
  }
  return 0;
}

interface Markers {
  begin: string;
  end: string;
  setupFailed: string;
}

/** The console lines init.sh prints around the script; see there. */
function markers(nonce: string): Markers {
  return {
    begin: `KILN-VM-SCRIPT-BEGIN ${nonce}\n`,
    end: `\nKILN-VM-SCRIPT-END ${nonce} status=`,
    setupFailed: `KILN-VM-SETUP-FAILED ${nonce} `,
  };
}

function parseConsole(run: QemuRun, nonce: string): VmRunResult {
  const mark = markers(nonce);
  const console = run.capture.text;
  const failedAt = console.indexOf(mark.setupFailed);
  if (failedAt >= 0) {
    const reason = console.slice(failedAt + mark.setupFailed.length).split('\n')[0];
    throw new VmError(`VM set-up failed: ${reason}`, console);
  }
  const beginAt = console.indexOf(mark.begin);
  const start = beginAt + mark.begin.length;
  // init prints a newline of its own before the end marker, in case the output lacks one.
  const endAt = beginAt < 0 ? -1 : console.indexOf(mark.end, start);
  const status = endAt < 0 ? null : /^(\d+)\n/.exec(console.slice(endAt + mark.end.length));
  if (beginAt < 0 || !status) {
    const why = run.timedOut ? 'timed out' : run.exit;
    throw new VmError(`VM ${why} before the script ${beginAt < 0 ? 'started' : 'finished'}`, console);
  }
  const bootMs = run.capture.seenAt(mark.begin) ?? 0;
  return {
    output: console.slice(start, Math.max(start, endAt)),
    exitCode: Number(status[1]),
    bootMs: Math.round(bootMs),
    scriptMs: Math.round((run.capture.seenAt(mark.end) ?? bootMs) - bootMs),
    console,
  };
}
