// Builds platform-solo5 once per test process and names what it produced.

import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(import.meta.dirname, '../..');
export const OUT = join(ROOT, 'build/x86_64');
export const TENDER = join(OUT, 'kiln-hvt');
export const MFT_TOOL = join(OUT, 'kiln-mft');
export const image = (name: string): string => join(OUT, 'tests', `${name}.hvt`);
/** One host unit test per C file in platform-solo5/tests/unit. */
export const UNIT_TESTS = readdirSync(join(ROOT, 'platform-solo5/tests/unit'))
  .filter((f) => f.endsWith('.c'))
  .map((f) => join(OUT, 'unit', f.slice(0, -2)));

let built: Promise<void> | undefined;

/** `make -C platform-solo5` (at most two jobs: the machine is shared). */
export function buildPlatform(): Promise<void> {
  built ??= promisify(execFile)('make', ['-s', '-j2', '-C', join(ROOT, 'platform-solo5')], {
    maxBuffer: 16 << 20,
  }).then(() => undefined);
  return built;
}
