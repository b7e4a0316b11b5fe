/**
 * `kiln new NAME`: a new app folder from cli/templates/app: app.ts (an HTTP
 * service), a unit test on Kiln's test devices, a tsconfig that checks the
 * app against the globals an image has, a vitest config and a README with
 * the run, build and test commands.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative, resolve } from 'node:path';
import { optionHelp, parseOptions, single, type OptionSpec } from './options.ts';
import { repoRoot } from './paths.ts';
import { UsageError } from './usage-error.ts';

const TEMPLATES = join(repoRoot, 'cli', 'templates', 'app');

const SPEC: Record<string, OptionSpec> = {
  dir: { value: 'DIR', help: 'where to create the app folder (default: ./NAME)' },
  help: { short: 'h', help: 'show this help' },
};

/** Whether `import ... from 'kiln'` resolves from `dir` (Kiln installed there, or `dir` inside Kiln itself). */
function kilnResolvesFrom(dir: string): boolean {
  try {
    createRequire(join(dir, 'package.json')).resolve('kiln/package.json');
    return true;
  } catch {
    return false;
  }
}

export async function newCommand(argv: string[]): Promise<number> {
  const options = parseOptions('new', argv, SPEC);
  if (options.flags.has('help')) {
    console.log(`kiln new NAME [--dir DIR]\n\n${optionHelp(SPEC)}`);
    return 0;
  }
  if (options.rest.length > 0) throw new UsageError('kiln new: takes no arguments after --');
  const [name, ...extra] = options.positional;
  if (name === undefined) throw new UsageError('kiln new: missing NAME (for example: kiln new notes)');
  if (extra.length > 0) throw new UsageError(`kiln new: one NAME expected, got ${options.positional.join(' ')}`);
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) {
    throw new UsageError(`kiln new: NAME '${name}' must be lower-case letters, digits and dashes, starting with a letter`);
  }
  const dir = resolve(single(options, 'dir') ?? name);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`kiln new: ${relative(process.cwd(), dir) || '.'} exists and is not empty`);
  mkdirSync(dir, { recursive: true });
  const globals = relative(dir, join(repoRoot, 'types', 'globals.d.ts'));
  for (const template of readdirSync(TEMPLATES)) {
    const text = readFileSync(join(TEMPLATES, template), 'utf8').split('__NAME__').join(name).split('__GLOBALS__').join(globals);
    writeFileSync(join(dir, basename(template, '.tmpl')), text);
  }
  const shown = relative(process.cwd(), dir) || '.';
  console.log(`kiln new: created ${shown}/ (app.ts, app.test.ts, tsconfig.json, vitest.config.ts, README.md)`);
  if (!kilnResolvesFrom(dir)) {
    console.log(`kiln new: note: 'kiln' is not installed where ${shown} can import it: run npm install ${repoRoot} there (and vitest for the test)`);
  }
  console.log(`next: cd ${shown} && npx kiln run . -- --port=8080   (tests: npx vitest run)`);
  return 0;
}
