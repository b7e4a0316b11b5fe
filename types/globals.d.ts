/**
 * The global names a Kiln image gives app code (runtime/src/globals.c,
 * timers.c, text.c, the injected Buffer and lib/web's Web-standard APIs), for apps' tsconfig:
 * `"types": ["kiln/globals"]` instead of `@types/node`, so that a Node-only
 * global (process, require, __dirname, ...) is a type error in the editor, as
 * it would be an error in the image. Only what every target has is here.
 */
export {};

type TimerHandler = (...args: unknown[]) => void;

interface KilnConsole {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  debug(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  trace(...data: unknown[]): void;
}

interface KilnTextEncoder {
  readonly encoding: 'utf-8';
  encode(input?: string): Uint8Array;
}

interface KilnTextDecoder {
  readonly encoding: string;
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}

type Web = typeof import('../lib/web/index.ts');

declare global {
  /** Node's Buffer, from the `buffer` package, injected into images. */
  var Buffer: typeof import('buffer').Buffer;
  var console: KilnConsole;
  function queueMicrotask(callback: () => void): void;
  function setTimeout(handler: TimerHandler, ms?: number, ...args: unknown[]): number;
  function setInterval(handler: TimerHandler, ms?: number, ...args: unknown[]): number;
  function setImmediate(handler: TimerHandler, ...args: unknown[]): number;
  function clearTimeout(id: number | undefined): void;
  function clearInterval(id: number | undefined): void;
  function clearImmediate(id: number | undefined): void;
  var performance: { now(): number; readonly timeOrigin: number };
  var crypto: {
    getRandomValues<T extends ArrayBufferView>(array: T): T;
    randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
    readonly subtle: import('../lib/web/index.ts').SubtleCrypto;
  };
  var SubtleCrypto: Web['SubtleCrypto'];
  type SubtleCrypto = import('../lib/web/index.ts').SubtleCrypto;
  var CryptoKey: Web['CryptoKey'];
  type CryptoKey = import('../lib/web/index.ts').CryptoKey;
  var TextEncoder: { new (): KilnTextEncoder };
  var TextDecoder: { new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): KilnTextDecoder };

  // lib/web (lib/web/README.md says what each implements).
  var URL: Web['URL'];
  type URL = import('../lib/web/index.ts').URL;
  var URLSearchParams: Web['URLSearchParams'];
  type URLSearchParams = import('../lib/web/index.ts').URLSearchParams;
  var Headers: Web['Headers'];
  type Headers = import('../lib/web/index.ts').Headers;
  type HeadersInit = import('../lib/web/index.ts').HeadersInit;
  var Request: Web['Request'];
  type Request = import('../lib/web/index.ts').Request;
  type RequestInit = import('../lib/web/index.ts').RequestInit;
  var Response: Web['Response'];
  type Response = import('../lib/web/index.ts').Response;
  type ResponseInit = import('../lib/web/index.ts').ResponseInit;
  type BodyInit = import('../lib/web/index.ts').BodyInit;
  var ReadableStream: Web['ReadableStream'];
  type ReadableStream<R = Uint8Array> = import('../lib/web/index.ts').ReadableStream<R>;
  var ReadableStreamDefaultReader: Web['ReadableStreamDefaultReader'];
  type ReadableStreamDefaultReader<R> = import('../lib/web/index.ts').ReadableStreamDefaultReader<R>;
  var ReadableStreamDefaultController: Web['ReadableStreamDefaultController'];
  type ReadableStreamDefaultController<R> = import('../lib/web/index.ts').ReadableStreamDefaultController<R>;
  var WritableStream: Web['WritableStream'];
  type WritableStream<W = unknown> = import('../lib/web/index.ts').WritableStream<W>;
  var WritableStreamDefaultWriter: Web['WritableStreamDefaultWriter'];
  type WritableStreamDefaultWriter<W> = import('../lib/web/index.ts').WritableStreamDefaultWriter<W>;
  var WritableStreamDefaultController: Web['WritableStreamDefaultController'];
  type WritableStreamDefaultController = import('../lib/web/index.ts').WritableStreamDefaultController;
  var TransformStream: Web['TransformStream'];
  type TransformStream<I = unknown, O = unknown> = import('../lib/web/index.ts').TransformStream<I, O>;
  var TransformStreamDefaultController: Web['TransformStreamDefaultController'];
  type TransformStreamDefaultController<O> = import('../lib/web/index.ts').TransformStreamDefaultController<O>;
  var CountQueuingStrategy: Web['CountQueuingStrategy'];
  var ByteLengthQueuingStrategy: Web['ByteLengthQueuingStrategy'];
  var TextEncoderStream: Web['TextEncoderStream'];
  type TextEncoderStream = import('../lib/web/index.ts').TextEncoderStream;
  var TextDecoderStream: Web['TextDecoderStream'];
  type TextDecoderStream = import('../lib/web/index.ts').TextDecoderStream;
  var Blob: Web['Blob'];
  type Blob = import('../lib/web/index.ts').Blob;
  type BlobPart = import('../lib/web/index.ts').BlobPart;
  var File: Web['File'];
  type File = import('../lib/web/index.ts').File;
  var FormData: Web['FormData'];
  type FormData = import('../lib/web/index.ts').FormData;
  type FormDataEntryValue = import('../lib/web/index.ts').FormDataEntryValue;
  var AbortController: Web['AbortController'];
  type AbortController = import('../lib/web/index.ts').AbortController;
  var AbortSignal: Web['AbortSignal'];
  type AbortSignal = import('../lib/web/index.ts').AbortSignal;
  var Event: Web['Event'];
  type Event = import('../lib/web/index.ts').Event;
  var EventTarget: Web['EventTarget'];
  type EventTarget = import('../lib/web/index.ts').EventTarget;
  var CustomEvent: Web['CustomEvent'];
  type CustomEvent<T = unknown> = import('../lib/web/index.ts').CustomEvent<T>;
  var DOMException: Web['DOMException'];
  type DOMException = import('../lib/web/index.ts').DOMException;
  /** Through the app's first stack device; http:// (https:// with createFetch and lib/tls). */
  function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  var atob: Web['atob'];
  var btoa: Web['btoa'];
  var structuredClone: Web['structuredClone'];
  var navigator: Web['navigator'];
}
