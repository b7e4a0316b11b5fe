import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { bundleApp } from './bundle.ts';
import { buildImage, type Arch } from './image.ts';
import { optionHelp, parseOptions, single, type OptionSpec } from './options.ts';
import { resolveApp } from './paths.ts';
import { typecheckApp } from './typecheck.ts';
import { UsageError } from './usage-error.ts';

/** unix: Node.js; process: the image as a sandboxed Linux process; hvt: a Solo5-hvt image. */
export const TARGETS = ['unix', 'process', 'hvt'] as const;
export type CliTarget = (typeof TARGETS)[number];
export const ARCHES = ['x86_64', 'aarch64'] as const;

const SPEC: Record<string, OptionSpec> = {
  target: { value: 'unix|process|hvt', choices: TARGETS, help: 'unix (default): one bundled file for Node.js; process: a static Linux executable that sandboxes itself; hvt: a Solo5-hvt image' },
  arch: { value: 'x86_64|aarch64', choices: ARCHES, help: 'image architecture (hvt; default x86_64; process: x86_64 only)' },
  output: { short: 'o', value: 'FILE', help: 'where to write the bundle or image' },
  'no-check': { help: 'skip type-checking the app with TypeScript' },
  help: { short: 'h', help: 'show this help' },
};

/** `output` as a shell runs it: `./echo.mjs`, not `echo.mjs`. */
function shellPath(output: string): string {
  return output.includes('/') ? output : `./${output}`;
}

export async function buildCommand(argv: string[]): Promise<number> {
  const options = parseOptions('build', argv, SPEC);
  if (options.flags.has('help')) {
    console.log(`kiln build <app> [--target unix|process|hvt] [--arch ARCH] -o FILE\n\n${optionHelp(SPEC)}`);
    return 0;
  }
  if (options.positional.length > 1) throw new UsageError(`kiln build: one <app> expected, got ${options.positional.join(' ')}`);
  if (options.rest.length > 0) throw new UsageError('kiln build: app arguments after -- belong to kiln run');
  const app = resolveApp('build', options.positional[0]);
  const target = single(options, 'target', 'unix') as CliTarget;
  const output = single(options, 'output');
  if (!output) throw new UsageError('kiln build: missing -o FILE');
  if (!options.flags.has('no-check')) typecheckApp('build', app.file, target === 'unix' ? 'project' : 'image');
  if (target === 'unix') {
    if (options.values.has('arch')) throw new UsageError('kiln build: --arch applies to --target hvt only');
    await bundleApp(app.file, 'unix', resolve(output));
    console.log(`kiln build: wrote ${output} (${statSync(output).size} bytes; run it as ${shellPath(output)}, or with node --enable-source-maps)`);
    return 0;
  }
  const arch = (single(options, 'arch', 'x86_64') as Arch);
  const image = await buildImage(app.file, arch, resolve(output), target);
  const how = target === 'process' ? `a static x86_64 Linux executable: ${output} [--net:NAME=TAP] [--block:NAME=FILE] [--mem=MB] -- ARGS` : arch;
  console.log(`kiln build: wrote ${output} (${image.size} bytes, ${how})`);
  return 0;
}
