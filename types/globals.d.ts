/**
 * The global names a Kiln image gives app code (runtime/src/globals.c,
 * timers.c, text.c, the injected Buffer and lib/web's Web-standard APIs), for apps' tsconfig:
 * `"types": ["kiln/globals"]` instead of `@types/node`, so that a Node-only
 * global (process, require, __dirname, ...) is a type error in the editor, as
 * it would be an error in the image. Only what every target has is here.
 */
import type * as web from '../lib/web/index.ts';

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
    readonly subtle: web.SubtleCrypto;
  };
  var SubtleCrypto: typeof web.SubtleCrypto;
  type SubtleCrypto = web.SubtleCrypto;
  var CryptoKey: typeof web.CryptoKey;
  type CryptoKey = web.CryptoKey;
  var TextEncoder: { new (): KilnTextEncoder };
  var TextDecoder: { new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): KilnTextDecoder };

  // lib/web (lib/web/README.md says what each implements).
  var URL: typeof web.URL;
  type URL = web.URL;
  var URLSearchParams: typeof web.URLSearchParams;
  type URLSearchParams = web.URLSearchParams;
  var Headers: typeof web.Headers;
  type Headers = web.Headers;
  type HeadersInit = web.HeadersInit;
  var Request: typeof web.Request;
  type Request = web.Request;
  type RequestInit = web.RequestInit;
  var Response: typeof web.Response;
  type Response = web.Response;
  type ResponseInit = web.ResponseInit;
  type BodyInit = web.BodyInit;
  var ReadableStream: typeof web.ReadableStream;
  type ReadableStream<R = Uint8Array> = web.ReadableStream<R>;
  var ReadableStreamDefaultReader: typeof web.ReadableStreamDefaultReader;
  type ReadableStreamDefaultReader<R> = web.ReadableStreamDefaultReader<R>;
  var ReadableStreamDefaultController: typeof web.ReadableStreamDefaultController;
  type ReadableStreamDefaultController<R> = web.ReadableStreamDefaultController<R>;
  var WritableStream: typeof web.WritableStream;
  type WritableStream<W = unknown> = web.WritableStream<W>;
  var WritableStreamDefaultWriter: typeof web.WritableStreamDefaultWriter;
  type WritableStreamDefaultWriter<W> = web.WritableStreamDefaultWriter<W>;
  var WritableStreamDefaultController: typeof web.WritableStreamDefaultController;
  type WritableStreamDefaultController = web.WritableStreamDefaultController;
  var TransformStream: typeof web.TransformStream;
  type TransformStream<I = unknown, O = unknown> = web.TransformStream<I, O>;
  var TransformStreamDefaultController: typeof web.TransformStreamDefaultController;
  type TransformStreamDefaultController<O> = web.TransformStreamDefaultController<O>;
  var CountQueuingStrategy: typeof web.CountQueuingStrategy;
  var ByteLengthQueuingStrategy: typeof web.ByteLengthQueuingStrategy;
  var TextEncoderStream: typeof web.TextEncoderStream;
  type TextEncoderStream = web.TextEncoderStream;
  var TextDecoderStream: typeof web.TextDecoderStream;
  type TextDecoderStream = web.TextDecoderStream;
  var Blob: typeof web.Blob;
  type Blob = web.Blob;
  type BlobPart = web.BlobPart;
  var File: typeof web.File;
  type File = web.File;
  var FormData: typeof web.FormData;
  type FormData = web.FormData;
  type FormDataEntryValue = web.FormDataEntryValue;
  var AbortController: typeof web.AbortController;
  type AbortController = web.AbortController;
  var AbortSignal: typeof web.AbortSignal;
  type AbortSignal = web.AbortSignal;
  var Event: typeof web.Event;
  type Event = web.Event;
  var EventTarget: typeof web.EventTarget;
  type EventTarget = web.EventTarget;
  var CustomEvent: typeof web.CustomEvent;
  type CustomEvent<T = unknown> = web.CustomEvent<T>;
  var DOMException: typeof web.DOMException;
  type DOMException = web.DOMException;
  /** Through the app's first stack device; http:// (https:// with createFetch and lib/tls). */
  function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  var atob: typeof web.atob;
  var btoa: typeof web.btoa;
  var structuredClone: typeof web.structuredClone;
  var navigator: typeof web.navigator;
}
