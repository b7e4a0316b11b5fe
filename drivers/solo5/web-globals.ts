/**
 * The Web-standard globals of images (lib/web), set on `globalThis` before
 * the app's module runs (the hvt bundle's entry imports this first, cli/bundle.ts),
 * so that code which feature-detects (`typeof globalThis.fetch`,
 * `'URL' in globalThis`) finds them as it does on Node. `crypto` keeps the
 * runtime's getRandomValues (runtime/src/globals.c) and gains randomUUID and
 * subtle. `fetch` is set by the entry's next import (global-fetch.ts), apart,
 * so that an image without a stack device carries none of the HTTP client.
 */
import { randomUUID } from '../../lib/web/random-uuid.ts';
import * as web from '../../lib/web/index.ts';
import { setGlobal } from './set-global.ts';

const globals: Record<string, unknown> = {
  URL: web.URL,
  URLSearchParams: web.URLSearchParams,
  Headers: web.Headers,
  Request: web.Request,
  Response: web.Response,
  ReadableStream: web.ReadableStream,
  ReadableStreamDefaultReader: web.ReadableStreamDefaultReader,
  ReadableStreamDefaultController: web.ReadableStreamDefaultController,
  WritableStream: web.WritableStream,
  WritableStreamDefaultWriter: web.WritableStreamDefaultWriter,
  WritableStreamDefaultController: web.WritableStreamDefaultController,
  TransformStream: web.TransformStream,
  TransformStreamDefaultController: web.TransformStreamDefaultController,
  CountQueuingStrategy: web.CountQueuingStrategy,
  ByteLengthQueuingStrategy: web.ByteLengthQueuingStrategy,
  TextEncoderStream: web.TextEncoderStream,
  TextDecoderStream: web.TextDecoderStream,
  Blob: web.Blob,
  File: web.File,
  FormData: web.FormData,
  AbortController: web.AbortController,
  AbortSignal: web.AbortSignal,
  Event: web.Event,
  EventTarget: web.EventTarget,
  CustomEvent: web.CustomEvent,
  DOMException: web.DOMException,
  atob: web.atob,
  btoa: web.btoa,
  structuredClone: web.structuredClone,
  navigator: web.navigator,
  SubtleCrypto: web.SubtleCrypto,
  CryptoKey: web.CryptoKey,
};

for (const [name, value] of Object.entries(globals)) setGlobal(name, value);
const runtimeCrypto = globalThis.crypto as { getRandomValues<T extends ArrayBufferView>(array: T): T };
Object.defineProperty(runtimeCrypto, 'randomUUID', {
  value: () => randomUUID((bytes) => runtimeCrypto.getRandomValues(bytes)),
  writable: true,
  configurable: true,
  enumerable: false,
});
Object.defineProperty(runtimeCrypto, 'subtle', { get: () => web.subtle, configurable: true, enumerable: true });
