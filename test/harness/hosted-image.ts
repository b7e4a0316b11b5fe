/**
 * Hosted images (runtime/link-image.sh --target hosted: the image's QuickJS
 * and runtime as a Linux program) of one TypeScript entry, for tests and
 * benchmarks that run code under the images' engine natively, with no
 * machine to boot.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, lockedMake } from '../platform/build.ts';

/**
 * Bundles `entry` as images are bundled (one ES module, no host APIs), with
 * `define`'s identifiers replaced by its JSON values, and compiles it with
 * kiln-qjsc; returns the bytecode file, `work/name.qbc`.
 */
export async function entryBytecode(entry: string, work: string, name: string, define: Record<string, unknown>): Promise<string> {
  mkdirSync(work, { recursive: true });
  const bundle = join(work, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    logLevel: 'silent',
    define: Object.fromEntries(Object.entries(define).map(([key, value]) => [key, JSON.stringify(value)])),
  });
  await lockedMake('runtime', 'host');
  const bytecode = join(work, `${name}.qbc`);
  execFileSync(join(ROOT, 'build', 'host', 'kiln-qjsc'), ['-o', bytecode, bundle]);
  return bytecode;
}

/** Links `bytecode` into the hosted program `output`, with the runtime's mbedtls bindings when `crypto`. */
export function linkHostedImage(bytecode: string, output: string, crypto: boolean): void {
  execFileSync(join(ROOT, 'runtime', 'link-image.sh'), ['--target', 'hosted', ...(crypto ? ['--crypto'] : []), '-o', output, bytecode], { stdio: 'ignore' });
}
