import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { DEFAULT_BLOCK_NAME, DEFAULT_NET_NAME, DEVICE_NAME_RULE, isDeviceName } from '../lib/app.ts';
import { bundleApp, type Target } from './bundle.ts';
import { ARCHES, TARGETS } from './build-command.ts';
import { buildImage, tenderPath, type Arch } from './image.ts';
import { HOST_ARCH, hostHasKvm } from '../machine/host.ts';
import { bootInVm } from './vm-boot.ts';
import { optionHelp, parseOptions, single, type OptionSpec } from './options.ts';
import { repoRoot, resolveApp } from './paths.ts';
import { memLimits } from './tender-limits.ts';
import { typecheckApp } from './typecheck.ts';
import { UsageError } from './usage-error.ts';

const MEM = memLimits();

const SPEC: Record<string, OptionSpec> = {
  target: { value: 'unix|hvt', choices: TARGETS, help: 'unix (default): run on Node.js; hvt: boot an image under kiln-hvt' },
  arch: { value: 'x86_64|aarch64', choices: ARCHES, help: 'image architecture (hvt; default x86_64)' },
  net: { value: '[NAME=]TAP', repeat: true, help: `attach a tap device (hvt; NAME defaults to ${DEFAULT_NET_NAME})` },
  block: { value: '[NAME=]FILE', repeat: true, help: `attach a disk image file (NAME defaults to ${DEFAULT_BLOCK_NAME})` },
  'fork-net': { value: '[NAME=]TAP,TAP,...', repeat: true, help: "taps for forked children's net device, one per child (hvt; kiln-hvt --fork-net)" },
  'fork-block': { value: '[NAME=]share|refuse', repeat: true, help: 'share a block device with forked children (default) or refuse it to them (hvt)' },
  mem: { value: 'MB', help: `guest memory in MiB, ${MEM.minMb}-${MEM.maxMb} (hvt; default kiln-hvt's, ${MEM.defaultMb})` },
  'no-check': { help: 'skip type-checking the app with TypeScript' },
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
      resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15));
    });
  });
}

export async function runCommand(argv: string[]): Promise<number> {
  const options = parseOptions('run', argv, SPEC);
  if (options.flags.has('help')) {
    console.log(`kiln run <app> [--target unix|hvt] [options] [-- app args]\n\nApp arguments (after --): kiln run <app> -- --help lists them.\n\n${optionHelp(SPEC)}`);
    return 0;
  }
  if (options.positional.length > 1) {
    throw new UsageError(`kiln run: one <app> expected, got ${options.positional.join(' ')} (app arguments go after --)`);
  }
  const app = resolveApp('run', options.positional[0]);
  const target = single(options, 'target', 'unix') as Target;
  if (!options.flags.has('no-check')) typecheckApp('run', app.file, target === 'unix' ? 'project' : 'image');

  if (target === 'unix') {
    for (const hvtOnly of ['arch', 'net', 'mem', 'fork-net', 'fork-block']) {
      if (options.values.has(hvtOnly)) throw new UsageError(`kiln run: --${hvtOnly} applies to --target hvt only`);
    }
    // The unix platform takes block devices' files from KILN_BLOCK_<NAME>.
    const env = { ...process.env };
    for (const b of options.values.get('block') ?? []) {
      const [name, file] = named('block', b, DEFAULT_BLOCK_NAME);
      env[`KILN_BLOCK_${name.toUpperCase()}`] = resolve(file);
    }
    const bundle = join(repoRoot, 'build', 'unix', `${app.name}.mjs`);
    await bundleApp(app.file, 'unix', bundle);
    return runToExit(process.execPath, ['--enable-source-maps', bundle, ...options.rest], env);
  }

  const arch = single(options, 'arch', 'x86_64') as Arch;
  const mem = single(options, 'mem');
  if (mem !== undefined && (!/^\d+$/.test(mem) || Number(mem) < MEM.minMb || Number(mem) > MEM.maxMb)) {
    throw new UsageError(`kiln run: --mem must be a whole number of MiB from ${MEM.minMb} to ${MEM.maxMb}, got '${mem}'`);
  }
  const image = join(repoRoot, 'build', arch, 'apps', `${app.name}.hvt`);
  await buildImage(app.file, arch, image);
  // Without --mem, kiln-hvt's own default applies.
  const tenderArgs = mem === undefined ? [] : [`--mem=${mem}`];
  for (const [option, defaultName] of TENDER_DEVICE_OPTIONS) {
    for (const text of options.values.get(option) ?? []) {
      const [name, value] = named(option, text, defaultName);
      tenderArgs.push(`--${option}:${name}=${value}`);
    }
  }
  // kiln-hvt runs guests of its own architecture; another one boots in the emulated machine.
  if (arch === HOST_ARCH && (await hostHasKvm())) return runToExit(tenderPath(arch), [...tenderArgs, '--', image, ...options.rest]);
  if (tenderArgs.some((arg) => !arg.startsWith('--mem='))) {
    throw new UsageError(`kiln run: --net, --block and --fork-* need /dev/kvm on this host and an ${arch} host (the emulated machine has no access to host taps or files)`);
  }
  return bootInVm(arch, tenderPath(arch), image, tenderArgs, options.rest);
}
