/**
 * The Web-standard globals of images (lib/web), injected by the hvt bundle
 * (cli/bundle.ts) as Buffer is: each name resolves to lib/web's
 * implementation wherever app or library code uses it as a global, and only
 * what is used is bundled. `fetch` goes out through the app's first stack
 * device (fetch-global.ts). `crypto` keeps the runtime's getRandomValues
 * (runtime/src/globals.c) and gains randomUUID.
 */
import { randomUUID } from '../../lib/web/random-uuid.ts';

export { fetch } from './fetch-global.ts';

export {
  URL,
  URLSearchParams,
  Headers,
  Request,
  Response,
  ReadableStream,
  ReadableStreamDefaultReader,
  ReadableStreamDefaultController,
  AbortController,
  AbortSignal,
  Event,
  EventTarget,
  CustomEvent,
  DOMException,
  atob,
  btoa,
  structuredClone,
  navigator,
} from '../../lib/web/index.ts';

// Looked up at each call, so that merely injecting this file has no effect.
export const crypto = {
  getRandomValues: <T extends ArrayBufferView>(array: T): T => (globalThis.crypto.getRandomValues as (a: T) => T)(array),
  randomUUID: () => randomUUID((bytes) => globalThis.crypto.getRandomValues(bytes)),
};
