/** The hello app as the size and boot benchmarks ship it: one build serves both (build.ts). */
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';

export const HELLO_APP = join(repoRoot, 'examples', 'hello', 'app.ts');
/** Not `hello.hvt`: the boot benchmark's machine also holds platform-solo5's C hello image under that name. */
export const HELLO_IMAGE = 'kiln-hello.hvt';
export const HELLO_BUNDLE = 'hello.mjs';
