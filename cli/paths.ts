import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './usage-error.ts';

/** The repository (package) root: cli/ sits directly below it. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where builds go: build/ in the package, or a cache directory when the package is read-only (see run-ts.js). */
export const buildRoot = process.env.KILN_BUILD_DIR ?? join(repoRoot, 'build');

/** An app is a module file, or a folder holding `app.ts`. */
export function resolveApp(command: string, spec: string | undefined): { file: string; name: string } {
  if (spec === undefined) throw new UsageError(`kiln ${command}: missing <app>: a folder holding app.ts, or a .ts file`);
  const path = resolve(spec);
  if (!existsSync(path)) throw new UsageError(`kiln ${command}: app '${spec}' does not exist`);
  if (statSync(path).isDirectory()) {
    const file = join(path, 'app.ts');
    if (!existsSync(file)) throw new UsageError(`kiln ${command}: folder '${spec}' holds no app.ts`);
    return { file, name: basename(path) };
  }
  return { file: path, name: basename(path).replace(/\.[cm]?[jt]s$/, '') };
}
