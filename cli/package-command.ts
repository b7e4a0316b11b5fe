/**
 * kiln package <app> --oci -o app.tar | --oci-dir DIR: an OCI image for urunc
 * (cli/oci.ts; deploy/README.md for pushing it and running it on Kubernetes).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ARCHES } from './build-command.ts';
import { buildImage, type Arch } from './image.ts';
import { ociArchive, ociLayout, writeOciDir } from './oci.ts';
import { optionHelp, parseOptions, single, type OptionSpec } from './options.ts';
import { buildRoot, resolveApp } from './paths.ts';
import { typecheckApp } from './typecheck.ts';
import { UsageError } from './usage-error.ts';

const SPEC: Record<string, OptionSpec> = {
  oci: { help: 'write an OCI image layout as one tar file (-o FILE)' },
  output: { short: 'o', value: 'FILE', help: 'the tar file (with --oci)' },
  'oci-dir': { value: 'DIR', help: 'write the OCI image layout as a directory (absent or empty)' },
  arch: { value: 'x86_64|aarch64', choices: ARCHES, help: 'image architecture (default x86_64)' },
  tag: { value: 'TAG', help: 'tag recorded in the layout (default latest)' },
  disk: { value: 'FILE', help: "disk file for the app's block device 'storage' (required when it declares one)" },
  'no-check': { help: 'skip type-checking the app with TypeScript' },
  help: { short: 'h', help: 'show this help' },
};

const USAGE = 'kiln package <app> (--oci -o FILE | --oci-dir DIR) [--arch ARCH] [--tag TAG] [--disk FILE] [-- app args]';

// urunc names the devices itself: --net:service= and --block:storage= (deploy/URUNC.md, section 2).
const URUNC_NET = 'service';
const URUNC_BLOCK = 'storage';

/** One line per thing urunc cannot launch, or null. */
function uruncFit(devices: { name: string; type: string }[], hasDisk: boolean): string | null {
  for (const d of devices) {
    if (d.type === 'NET_BASIC' && d.name !== URUNC_NET) return `network device '${d.name}': urunc attaches only '${URUNC_NET}'`;
    if (d.type === 'BLOCK_BASIC' && d.name !== URUNC_BLOCK) return `block device '${d.name}': urunc attaches only '${URUNC_BLOCK}'`;
    if (d.type === 'KILN_FORK' || d.type === 'KILN_PIPE') return `${d.type} device: kiln-hvt serves it with system calls (fork, wait4, pipe2) outside urunc's seccomp filter`;
  }
  const wantsDisk = devices.some((d) => d.type === 'BLOCK_BASIC');
  if (wantsDisk && !hasDisk) return `the app declares block device '${URUNC_BLOCK}': give its disk with --disk FILE`;
  if (!wantsDisk && hasDisk) return 'the app declares no block device, so --disk has nothing to attach to';
  return null;
}

export async function packageCommand(argv: string[]): Promise<number> {
  const options = parseOptions('package', argv, SPEC);
  if (options.flags.has('help')) {
    console.log(`${USAGE}\n\nAn OCI image for urunc (the unikernel runtime for containerd and Kubernetes).\n\n${optionHelp(SPEC)}`);
    return 0;
  }
  if (options.positional.length > 1) throw new UsageError(`kiln package: one <app> expected, got ${options.positional.join(' ')} (app arguments go after --)`);
  const app = resolveApp('package', options.positional[0]);
  const output = single(options, 'output');
  const dir = single(options, 'oci-dir');
  if (options.flags.has('oci') !== (output !== undefined)) throw new UsageError('kiln package: --oci and -o FILE go together');
  if (!output && !dir) throw new UsageError(`kiln package: say where: --oci -o FILE or --oci-dir DIR (${USAGE})`);
  const tag = single(options, 'tag', 'latest')!;
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) throw new UsageError(`kiln package: --tag must be 1-128 of A-Z a-z 0-9 _ . - (not starting with . or -), got '${tag}'`);
  for (const arg of options.rest) {
    if (arg === '' || /\s/.test(arg)) throw new UsageError(`kiln package: app argument '${arg}' is empty or holds white space (urunc splits the command line at spaces)`);
  }
  const diskFile = single(options, 'disk');
  const disk = diskFile === undefined ? undefined : readDisk(diskFile);

  if (!options.flags.has('no-check')) typecheckApp('package', app.file);
  const arch = single(options, 'arch', 'x86_64') as Arch;
  const imagePath = join(buildRoot, arch, 'apps', `${app.name}.hvt`);
  const image = await buildImage(app.file, arch, imagePath);
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(image.appName)) throw new UsageError(`kiln package: app name '${image.appName}' is not usable as a file name`);
  const misfit = uruncFit(image.devices, disk !== undefined);
  if (misfit) throw new UsageError(`kiln package: ${misfit}`);
  if (!image.devices.some((d) => d.type === 'NET_BASIC')) {
    console.warn(`kiln package: note: ${image.appName} declares no network device; urunc attaches '${URUNC_NET}' whenever the container has eth0 (always on Kubernetes) and the tender refuses a device the image does not declare`);
  }

  const layout = ociLayout({ appName: image.appName, arch, image: readFileSync(image.path), args: options.rest, disk, tag });
  if (output) writeFileSync(resolve(output), ociArchive(layout));
  if (dir) {
    try {
      writeOciDir(layout, resolve(dir));
    } catch (err) {
      throw new UsageError(`kiln package: --oci-dir: ${(err as Error).message}`);
    }
  }
  console.log(`kiln package: wrote ${[output, dir].filter(Boolean).join(' and ')} (${arch}, manifest ${layout.manifest.digest}, tag ${tag})`);
  return 0;
}

function readDisk(file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UsageError(`kiln package: --disk ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (bytes.length === 0 || bytes.length % 512 !== 0) throw new UsageError(`kiln package: --disk ${file}: size must be a non-zero multiple of 512 bytes, got ${bytes.length}`);
  return bytes;
}
