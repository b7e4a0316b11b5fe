/** Bundles a scenario the way images are bundled (one ES2020 script, no Node built-ins), for a test to run in QuickJS. */
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

export function bundleForQuickJS(entry: URL): string {
  return buildSync({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    platform: 'neutral',
    write: false,
    logLevel: 'warning',
  }).outputFiles[0]!.text;
}
