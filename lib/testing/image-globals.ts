/**
 * The image's global surface for apps tested on Node: while guarded, every
 * global Node.js has and an image has not (process, global, require of a
 * Node module, WebAssembly, Intl, WeakRef, ...) throws ImageGlobalError when
 * the app's own code reaches for it, so a unit test fails where the image
 * would. Code in node_modules, Kiln's own lib/ and drivers/ (Node-side
 * parts among them) and test files is left alone: only the app is judged.
 * What a module does when it is imported (before startTestApp) is not seen;
 * `kiln build` and the app's tsconfig (`kiln/globals`) catch those.
 */
import Module from 'node:module';
import { fileURLToPath } from 'node:url';

/** ECMAScript's own globals, as the image's QuickJS (2021-03-27) has them: no Intl, WebAssembly, WeakRef or FinalizationRegistry. */
export const ENGINE_GLOBALS: readonly string[] = [
  'globalThis', 'Infinity', 'NaN', 'undefined', 'eval', 'isFinite', 'isNaN', 'parseFloat', 'parseInt',
  'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape',
  'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt', 'Date', 'RegExp', 'Promise', 'Proxy', 'Reflect',
  'Map', 'Set', 'WeakMap', 'WeakSet', 'JSON', 'Math', 'Atomics',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

/** What Kiln's runtime defines (runtime/src: globals, timers, text). */
export const RUNTIME_GLOBALS: readonly string[] = [
  'console', 'queueMicrotask', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate',
  'performance', 'crypto', 'TextEncoder', 'TextDecoder',
];

/** What an image sets before the app runs (drivers/solo5/web-globals.ts, global-fetch.ts): lib/web's APIs. */
export const WEB_GLOBALS: readonly string[] = [
  'URL', 'URLSearchParams', 'Headers', 'Request', 'Response', 'fetch',
  'ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamDefaultController',
  'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController', 'TransformStream', 'TransformStreamDefaultController',
  'CountQueuingStrategy', 'ByteLengthQueuingStrategy', 'TextEncoderStream', 'TextDecoderStream', 'Blob', 'File', 'FormData',
  'AbortController', 'AbortSignal', 'Event', 'EventTarget', 'CustomEvent', 'DOMException',
  'atob', 'btoa', 'structuredClone', 'navigator', 'SubtleCrypto', 'CryptoKey',
];

/** Injected by the bundle only where code uses it (drivers/solo5/buffer-global.ts). */
export const INJECTED_GLOBALS: readonly string[] = ['Buffer'];

/** Every global an image gives app code (types/globals.d.ts declares Kiln's). */
export const IMAGE_GLOBALS: ReadonlySet<string> = new Set([...ENGINE_GLOBALS, ...RUNTIME_GLOBALS, ...WEB_GLOBALS, ...INJECTED_GLOBALS]);

export class ImageGlobalError extends ReferenceError {
  override name = 'ImageGlobalError';
  constructor(readonly global: string) {
    super(
      `${global}: the app uses it, and a Kiln image does not have it (a Node.js ${global.startsWith('require(') ? 'module' : 'global'}); ` +
        "use the app's devices and the globals in types/globals.d.ts, or pass startTestApp { globals: 'node' } to test with Node's",
    );
  }
}

const kilnRoot = fileURLToPath(new URL('../../', import.meta.url));
const KILN_OWN = [`${kilnRoot}lib/`, `${kilnRoot}drivers/`];

/** Whether a file is the app's own code rather than a library, Kiln itself or a test. */
function isAppFile(file: string): boolean {
  if (file.startsWith('file://')) file = fileURLToPath(file);
  if (!file.startsWith('/')) return false; // node:internal, evalmachine, ...
  if (file.includes('/node_modules/') || /\.(test|spec)\.[cm]?[jt]sx?$/.test(file)) return false;
  return !KILN_OWN.some((dir) => file.startsWith(dir));
}

/** The file of the code that called the function calling this (stack: this, the guard, its caller). */
function callerFile(): string | null {
  const stack = new Error().stack?.split('\n') ?? [];
  const frame = stack[3] ?? '';
  const m = /\(?((?:file:\/\/)?\/[^():]+|node:[^():]+):\d+:\d+\)?$/.exec(frame.trim());
  return m ? m[1]! : null;
}

type ModuleLoad = (request: string, parent: { filename?: string } | null, isMain: boolean) => unknown;

/** Who hears of uses while the guard is on (one guard for all the apps running at once). */
const listeners = new Set<(error: ImageGlobalError) => void>();
let unguard: (() => void) | null = null;

/**
 * Guards the Node-only globals until the returned function is called.
 * `onUse` hears each one the app reached for (the app may catch the error).
 */
export function guardImageGlobals(onUse: (error: ImageGlobalError) => void): () => void {
  listeners.add(onUse);
  unguard ??= install();
  return () => {
    listeners.delete(onUse);
    if (listeners.size === 0 && unguard !== null) {
      unguard();
      unguard = null;
    }
  };
}

function install(): () => void {
  const refuse = (name: string): never => {
    const error = new ImageGlobalError(name);
    for (const listener of listeners) listener(error);
    throw error;
  };
  const restores: (() => void)[] = [];
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    if (IMAGE_GLOBALS.has(name)) continue;
    const original = Object.getOwnPropertyDescriptor(globalThis, name)!;
    if (!original.configurable) continue;
    const read = original.get ? () => original.get!.call(globalThis) : () => original.value;
    Object.defineProperty(globalThis, name, {
      configurable: true,
      enumerable: original.enumerable,
      get: function imageGlobalGuard() {
        const file = callerFile();
        return file !== null && isAppFile(file) ? refuse(name) : read();
      },
      set(value: unknown) {
        Object.defineProperty(globalThis, name, { configurable: true, enumerable: original.enumerable, writable: true, value });
      },
    });
    restores.push(() => Object.defineProperty(globalThis, name, original));
  }
  // `require` is no global (vitest hands modules their own): its Node modules are refused where they load.
  const loader = Module as unknown as { _load: ModuleLoad };
  const load = loader._load;
  loader._load = function imageModuleGuard(request, parent, isMain) {
    if (Module.isBuiltin(request) && parent?.filename && isAppFile(parent.filename)) refuse(`require('${request}')`);
    return load.call(this, request, parent, isMain);
  };
  restores.push(() => (loader._load = load));
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}
