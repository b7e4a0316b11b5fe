/**
 * Linking an app into a Solo5-hvt image: bundle (hvt drivers) → bytecode →
 * manifest note → link with the runtime, QuickJS, musl and guest bindings.
 */
import { join } from 'node:path';
import { repoRoot } from './paths.ts';
import { UsageError } from './usage-error.ts';

export type Arch = 'x86_64' | 'aarch64';

export function tenderPath(arch: Arch): string {
  return join(repoRoot, 'build', arch, 'kiln-hvt');
}

export interface ImageResult {
  path: string;
  size: number;
}

export async function buildImage(_appFile: string, arch: Arch, _output: string): Promise<ImageResult> {
  throw new UsageError(`kiln build: --target hvt (${arch}) is not available yet: the image linker is being built`);
}
