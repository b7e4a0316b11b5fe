import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_BLOCK_NAME, DEFAULT_NET_NAME, DEVICE_NAME_RULE, isDeviceName } from '../lib/app.ts';
import { bundleApp } from './bundle.ts';
import { ARCHES, TARGETS, type CliTarget } from './build-command.ts';
import { buildImage, tenderPath, type Arch } from './image.ts';
import { HOST_ARCH, hostHasKvm } from '../machine/host.ts';
import { bootInVm, refuseHostTaps, VM_GATEWAY, VM_IMAGE_ADDRESS } from './vm-boot.ts';
import { IMAGE_ADDRESS, NAMESPACE_ADDRESS, parsePublish, publishBootArgs, PublishNamespace } from './publish.ts';
import { optionHelp, parseOptions, single, type OptionSpec } from './options.ts';
import { buildRoot, resolveApp } from './paths.ts';
import { memLimits } from './tender-limits.ts';
import { typecheckApp } from './typecheck.ts';
import { UsageError } from './usage-error.ts';

const MEM = memLimits();

const SPEC: Record<string, OptionSpec> = {
  target: { value: 'unix|process|hvt', choices: TARGETS, help: 'unix (default): run on Node.js; process: the image as a sandboxed Linux process; hvt: boot an image under kiln-hvt' },
  arch: { value: 'x86_64|aarch64', choices: ARCHES, help: 'image architecture (hvt; default x86_64)' },
  net: { value: "[NAME=]TAP", repeat: true, help: `attach a tap device (process, hvt; NAME defaults to ${DEFAULT_NET_NAME}; kiln-hvt's --net:NAME=TAP also works)` },
  block: { value: '[NAME=]FILE', repeat: true, help: `attach a disk image file (NAME defaults to ${DEFAULT_BLOCK_NAME})` },
  'fork-net': { value: '[NAME=]TAP,TAP,...', repeat: true, help: "taps for forked children's net device, one per child (hvt; kiln-hvt --fork-net)" },
  'fork-block': { value: '[NAME=]share|refuse', repeat: true, help: 'share a block device with forked children (default) or refuse it to them (hvt)' },
  mem: { value: 'MB', help: `guest memory in MiB, ${MEM.minMb}-${MEM.maxMb} (process, hvt; default kiln-hvt's, ${MEM.defaultMb})` },
  publish: { value: 'HOSTPORT:GUESTPORT', repeat: true, help: "reach the image's GUESTPORT at 127.0.0.1:HOSTPORT (process, hvt): kiln makes the tap and forwarding" },
  'no-check': { help: 'skip type-checking the app with TypeScript' },
  'dry-run': { help: 'check everything and build, then print what would run instead of running it' },
  help: { short: 'h', help: 'show this help' },
};

/** Options handed to kiln-hvt as `--OPTION:NAME=VALUE`, with NAME's default. */
const TENDER_DEVICE_OPTIONS = [
  ['net', DEFAULT_NET_NAME],
  ['block', DEFAULT_BLOCK_NAME],
  ['fork-net', DEFAULT_NET_NAME],
  ['fork-block', DEFAULT_BLOCK_NAME],
] as const;

/** `NAME=VALUE` or `VALUE` with the default name. */
function named(option: string, text: string, defaultName: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq < 0) return [defaultName, text];
  const name = text.slice(0, eq);
  if (!isDeviceName(name)) {
    throw new UsageError(`kiln run: --${option} ${text}: NAME must be ${DEVICE_NAME_RULE}`);
  }
  return [name, text.slice(eq + 1)];
}

/** Runs a program with inherited stdio and resolves with its exit status (128+n for signal n). */
function runToExit(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

/**
 * kiln-hvt's own spelling of the device options, `--net:NAME=TAP` and the
 * like, as `--net NAME=TAP` (the kiln run form); app arguments after `--`
 * are left alone.
 */
export function tenderSpelling(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  const options = end < 0 ? argv : argv.slice(0, end);
  const rewritten = options.flatMap((arg) => {
    const m = /^--(net|block|fork-net|fork-block):(.+)$/s.exec(arg);
    return m ? [`--${m[1]}`, m[2]!] : [arg];
  });
  return end < 0 ? rewritten : [...rewritten, ...argv.slice(end)];
}

export async function runCommand(argv: string[]): Promise<number> {
  const options = parseOptions('run', tenderSpelling(argv), SPEC);
  if (options.flags.has('help')) {
    console.log(`kiln run <app> [--target unix|process|hvt] [options] [-- app args]\n\nApp arguments (after --): kiln run <app> -- --help lists them.\n\n${optionHelp(SPEC)}`);
    return 0;
  }
  if (options.positional.length > 1) {
    throw new UsageError(`kiln run: one <app> expected, got ${options.positional.join(' ')} (app arguments go after --)`);
  }
  const app = resolveApp('run', options.positional[0]);
  const target = single(options, 'target', 'unix') as CliTarget;
  if (!options.flags.has('no-check')) typecheckApp('run', app.file, target === 'unix' ? 'project' : 'image');
  // --dry-run: everything up to the launch, which is printed instead.
  const dryRun = options.flags.has('dry-run');
  const wouldRun = (where: string, command: string[]): number => {
    console.log(`kiln run: would run${where}: ${command.join(' ')}`);
    return 0;
  };

  if (target === 'unix') {
    for (const imageOnly of ['arch', 'net', 'mem', 'fork-net', 'fork-block', 'publish']) {
      if (options.values.has(imageOnly)) throw new UsageError(`kiln run: --${imageOnly} applies to --target process or hvt only`);
    }
    // The unix platform takes block devices' files from KILN_BLOCK_<NAME>.
    const env = { ...process.env };
    for (const b of options.values.get('block') ?? []) {
      const [name, file] = named('block', b, DEFAULT_BLOCK_NAME);
      env[`KILN_BLOCK_${name.toUpperCase()}`] = resolve(file);
    }
    const bundle = join(buildRoot, 'unix', `${app.name}.mjs`);
    await bundleApp(app.file, 'unix', bundle);
    const args = ['--enable-source-maps', bundle, ...options.rest];
    return dryRun ? wouldRun('', [process.execPath, ...args]) : runToExit(process.execPath, args, env);
  }

  const arch = single(options, 'arch', 'x86_64') as Arch;
  const mem = single(options, 'mem');
  if (mem !== undefined && (!/^\d+$/.test(mem) || Number(mem) < MEM.minMb || Number(mem) > MEM.maxMb)) {
    throw new UsageError(`kiln run: --mem must be a whole number of MiB from ${MEM.minMb} to ${MEM.maxMb}, got '${mem}'`);
  }
  if (target === 'process') {
    for (const hvtOnly of ['fork-net', 'fork-block']) {
      if (options.values.has(hvtOnly)) throw new UsageError(`kiln run: --${hvtOnly} applies to --target hvt only (a process has no fork)`);
    }
    if (HOST_ARCH !== 'x86_64' || process.platform !== 'linux' || arch !== 'x86_64') {
      throw new UsageError('kiln run: --target process runs x86_64 Linux executables only, on an x86_64 Linux host');
    }
  }
  // Without --mem, the platform's own default applies (kiln-hvt's; the process's is the same).
  const tenderArgs = mem === undefined ? [] : [`--mem=${mem}`];
  for (const [option, defaultName] of TENDER_DEVICE_OPTIONS) {
    for (const text of options.values.get(option) ?? []) {
      const [name, value] = named(option, text, defaultName);
      tenderArgs.push(`--${option}:${name}=${option === 'block' ? resolve(value) : value}`);
    }
  }
  const publish = parsePublish(options.values.get('publish') ?? []);
  if (publish.length > 0 && tenderArgs.some((a) => a.startsWith(`--net:${DEFAULT_NET_NAME}=`))) {
    throw new UsageError(`kiln run: --publish attaches the network device ${DEFAULT_NET_NAME} itself; leave out --net for it`);
  }
  // kiln-hvt runs guests of its own architecture; another one boots in the emulated machine.
  const here = target === 'process' || (arch === HOST_ARCH && (await hostHasKvm()));
  // Mistakes are told before the build.
  const bootArgs = publish.length === 0 ? [] : publishBootArgs(options.rest, here ? IMAGE_ADDRESS : VM_IMAGE_ADDRESS, here ? NAMESPACE_ADDRESS : VM_GATEWAY);
  if (!here) refuseHostTaps(tenderArgs);

  const image = join(buildRoot, arch, 'apps', `${app.name}.${target}`);
  await buildImage(app.file, arch, image, target);
  if (!here) {
    // The emulated machine: block files become its disks, published ports its forwards.
    const blocks = (options.values.get('block') ?? []).map((text) => {
      const [name, file] = named('block', text, DEFAULT_BLOCK_NAME);
      return { name, file: resolve(file) };
    });
    const machineArgs = tenderArgs.filter((a) => !a.startsWith('--block:'));
    if (dryRun) return wouldRun(` in the emulated ${arch} machine`, ['kiln-hvt', ...machineArgs, '--', image, ...bootArgs, ...options.rest]);
    return bootInVm(arch, tenderPath(arch), image, machineArgs, [...bootArgs, ...options.rest], { publish, blocks });
  }
  const launch = (extra: string[]): string[] =>
    target === 'process' ? [image, ...tenderArgs, ...extra, '--', ...bootArgs, ...options.rest]
      : [tenderPath(arch), ...tenderArgs, ...extra, '--', image, ...bootArgs, ...options.rest];
  if (publish.length === 0) {
    const [program, ...args] = launch([]);
    return dryRun ? wouldRun('', [program!, ...args]) : runToExit(program!, args);
  }
  if (dryRun) return wouldRun(` in a namespace of its own (${publish.map((m) => `127.0.0.1:${m.host} -> port ${m.guest}`).join(', ')})`, launch([`--net:${DEFAULT_NET_NAME}=TAP`]));
  const ns = await PublishNamespace.open(publish);
  try {
    const [program, args] = ns.command(launch([`--net:${DEFAULT_NET_NAME}=${ns.tap}`]));
    console.error(`kiln run: ${publish.map((m) => `127.0.0.1:${m.host} -> image port ${m.guest}`).join(', ')} (namespace ${ns.name}, image at ${IMAGE_ADDRESS})`);
    return await runToExit(program, args);
  } finally {
    await ns.close();
  }
}
