/**
 * One entry module bundled for the image's QuickJS (one ES2020 module, no
 * Node built-ins), with `define` substitutions: how the crypto probe and the
 * native crypto test hand values made on Node (certificates, vectors) to
 * code that runs in a hosted image.
 */
import { build } from 'esbuild';

export async function bundleForQuickJs(entry: string, outfile: string, define: Record<string, unknown> = {}): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    logLevel: 'silent',
    define: Object.fromEntries(Object.entries(define).map(([name, value]) => [name, JSON.stringify(value)])),
  });
}
