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

const runtimeCrypto = globalThis.crypto;

export const crypto = {
  getRandomValues: runtimeCrypto.getRandomValues.bind(runtimeCrypto),
  randomUUID: () => randomUUID((bytes) => runtimeCrypto.getRandomValues(bytes)),
};
