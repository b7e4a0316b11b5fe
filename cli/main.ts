/**
 * kiln: build and run Kiln apps.
 *
 *   kiln build <app> [--target unix|process|hvt] [--arch x86_64|aarch64] -o FILE
 *   kiln run   <app> [--target unix|process|hvt] [--net TAP] [--block FILE] [--mem MB] [-- app args]
 *   kiln package <app> --oci -o FILE | --oci-dir DIR [--arch ARCH] [-- app args]
 *   kiln kv    create|list|get|put|rm|fsck IMAGE ...
 *   kiln --version
 *
 * Every mistake on the command line is one line on stderr and exit status 2.
 */
import { buildCommand } from './build-command.ts';
import { kvCommand } from './kv-command.ts';
import { newCommand } from './new-command.ts';
import { packageCommand } from './package-command.ts';
import { runCommand } from './run-command.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';
import { UsageError } from './usage-error.ts';

function kilnVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

const USAGE = `kiln: write a network service once, run it on Node.js or boot it as a unikernel.

Usage:
  kiln build <app> [--target T] [--arch ARCH] -o FILE   bundle (unix) or link an image (process, hvt)
  kiln run <app> [--target T] [options] [-- app args]   type-check, build, then run
  kiln new NAME                                         a new app folder: app, unit test, tsconfig, README
  kiln package <app> --oci -o FILE [-- app args]       an OCI image for urunc (containerd, Kubernetes)
  kiln kv create|list|get|put|rm|fsck IMAGE ...         a key-value store in a disk image
  kiln <command> --help                                 options of one command
  kiln --version                                        Kiln's version

<app> is a folder holding app.ts (for example examples/echo) or a .ts file.
T is unix (Node.js, the default), process (the image as a sandboxed Linux
process) or hvt (a unikernel under kiln-hvt). The app's own arguments go after --;
kiln run <app> -- --help lists them and the boot arguments every image takes.`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  build: buildCommand,
  run: runCommand,
  new: newCommand,
  package: packageCommand,
  kv: kvCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(`kiln ${kilnVersion()}`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`kiln: unknown command '${name}' (expected one of: ${Object.keys(COMMANDS).join(', ')}; see kiln --help)`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}
