/**
 * Bundling an app with esbuild. The app imports only `lib/`; the platform's
 * boot function is chosen here, at build time, which is how the same service
 * runs on Node (unix) or in an image (hvt) without a change.
 */
import { build, type Plugin } from 'esbuild';
import { chmodSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { repoRoot } from './paths.ts';
import { UsageError } from './usage-error.ts';

export type Target = 'unix' | 'hvt';

const PLATFORM_BOOT: Record<Target, string> = {
  unix: join(repoRoot, 'drivers', 'unix', 'platform.ts'),
  hvt: join(repoRoot, 'drivers', 'solo5', 'platform.ts'),
};

// `buffer` is also the npm package that gives images a Node-compatible Buffer.
const nodeBuiltins = new Set(builtinModules.filter((m) => m !== 'buffer').flatMap((m) => [m, `node:${m}`]));
nodeBuiltins.add('node:buffer');

/** Images have no Node.js: refuse Node built-ins with a line naming the importer. */
const refuseNodeBuiltins: Plugin = {
  name: 'kiln-refuse-node-builtins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (!nodeBuiltins.has(args.path)) return undefined;
      const from = args.importer ? relative(process.cwd(), args.importer) : 'the app';
      return {
        errors: [
          {
            text: `${from} imports the Node.js built-in '${args.path}', which images do not have: use the devices the app declares (lib/) instead`,
          },
        ],
      };
    });
  },
};

/**
 * esbuild's failure (syntax, resolution, a refused import) as one UsageError
 * with a `file:line:col: message` line per error; anything else unchanged.
 */
export function buildFailure(err: unknown): unknown {
  const errors = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
  if (!errors?.length) return err;
  const lines = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ${e.text}` : e.text));
  return new UsageError(`${lines.join('\n')}\nkiln build: ${errors.length} error${errors.length === 1 ? '' : 's'}`);
}

export interface BundleResult {
  outfile: string;
  sourceMap: string;
}

/** The class private member syntax QuickJS 2021-03-27 implements (not `#x in obj`, ES2022's brand check). */
const PRIVATE_MEMBERS = {
  'class-private-field': true,
  'class-private-method': true,
  'class-private-accessor': true,
  'class-private-static-field': true,
  'class-private-static-method': true,
  'class-private-static-accessor': true,
};

/**
 * Bundles `appFile` with the target's boot function into one ES module at
 * `outfile`. A `{ fetch }` module (lib/fetch-app.ts) is made an app in the
 * bundle: on unix always checked at start; in images only when `fetchModule`
 * says so (the caller loaded it), so other images carry none of lib/http.
 * An image's Web globals are set on globalThis before the app's module runs;
 * its global fetch is the HTTP client only when the app has a stack device
 * (`hasStack`).
 */
export async function bundleApp(appFile: string, target: Target, outfile: string, fetchModule = false, hasStack = true): Promise<BundleResult> {
  const boot = PLATFORM_BOOT[target];
  const fetchApp = JSON.stringify(join(repoRoot, 'lib', 'fetch-app.ts'));
  const entry =
    target === 'unix'
      ? `import app from ${JSON.stringify(appFile)};\n` +
        `import { boot } from ${JSON.stringify(boot)};\n` +
        `import { asApp } from ${fetchApp};\n` +
        `process.exitCode = await boot(asApp(app), process.argv.slice(2));\n`
      : // Before the app's module runs: the Web globals npm code expects.
        `import ${JSON.stringify(join(repoRoot, 'drivers', 'solo5', 'web-globals.ts'))};\n` +
        `import ${JSON.stringify(join(repoRoot, 'drivers', 'solo5', hasStack ? 'global-fetch.ts' : 'global-fetch-none.ts'))};\n` +
        `import app from ${JSON.stringify(appFile)};\n` +
        `import { boot } from ${JSON.stringify(boot)};\n` +
        (fetchModule ? `import { fetchApp } from ${fetchApp};\nboot(fetchApp(app));\n` : `boot(app);\n`);
  try {
    await build({
      stdin: { contents: entry, resolveDir: repoRoot, sourcefile: 'kiln-entry.ts', loader: 'ts' },
      outfile,
      bundle: true,
      format: 'esm',
      platform: target === 'unix' ? 'node' : 'neutral',
      target: target === 'unix' ? 'node20' : 'es2020',
      // QuickJS has class private members natively: lowered, each access would be a WeakMap lookup (and its 2021 WeakMaps can crash its cycle collector).
      ...(target === 'unix' ? {} : { supported: PRIVATE_MEMBERS }),
      mainFields: ['module', 'main'],
      sourcemap: target === 'unix' ? 'inline' : 'external',
      // The unix bundle runs as a program and maps its stack traces to the .ts sources.
      ...(target === 'unix' ? { banner: { js: '#!/usr/bin/env -S node --enable-source-maps' } } : {}),
      sourcesContent: false,
      plugins: target === 'hvt' ? [refuseNodeBuiltins] : [],
      inject: target === 'hvt' ? [join(repoRoot, 'drivers', 'solo5', 'buffer-global.ts')] : [],
      logLevel: 'silent',
    });
  } catch (err) {
    throw buildFailure(err);
  }
  if (target === 'unix') chmodSync(outfile, 0o755);
  return { outfile, sourceMap: `${outfile}.map` };
}
