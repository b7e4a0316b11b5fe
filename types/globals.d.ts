/**
 * The global names a Kiln image gives app code (runtime/src/globals.c,
 * timers.c, text.c, and the injected Buffer), for apps' tsconfig:
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
  decode(input?: ArrayBufferView | ArrayBuffer): string;
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
  var crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T };
  var TextEncoder: { new (): KilnTextEncoder };
  var TextDecoder: { new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): KilnTextDecoder };
}
