/**
 * Runs first in an image's bundle: the build prepends it, with the bundle's
 * line table compiled in (cli/stack-prelude.ts). It gives the runtime
 * `__kiln.formatStack`, which rewrites the frames of every `err.stack`
 * (runtime/src/error_stack.c), so even an error thrown while the app's
 * modules load names the sources.
 */
import { bindings } from './bindings.ts';
import { stackFormatter, type SourceLineTable } from './source-lines.ts';

declare const __KILN_SOURCE_LINES__: SourceLineTable;

bindings().formatStack = stackFormatter(__KILN_SOURCE_LINES__);
