/**
 * The runtime's host bindings as TypeScript sees them: `globalThis.__kiln`,
 * installed by runtime/src (runtime/BINDINGS.md is the reference), plus the
 * web-style globals the runtime provides (setTimeout, crypto).
 *
 * Errors thrown by the bindings are plain Errors with a `code` string
 * (EINVAL, ERANGE, ENODEV, EAGAIN, EUNSPEC); the drivers turn them into the
 * signatures' typed errors.
 */
export interface KilnBindings {
  write(data: string | Uint8Array): void;
  monotonicNs(): bigint;
  monotonicMs(): number;
  wallNs(): bigint;
  exit(status: number): never;
  argv: string[];
  /** The status the unikernel exits with once nothing is left to do. */
  exitCode: number;
  /** The Internet checksum's running sum of `bytes[start..end)` plus `sum`, folded to 16 bits (in C). */
  sumWords(bytes: Uint8Array, start: number, end: number, sum: number): number;
  /** Continues `crc`, the CRC-32 of the bytes before (0 for none), over `bytes` (in C). */
  crc32(bytes: Uint8Array, crc: number): number;
  /** Fills `buffer` from the runtime's cryptographic generator. */
  randomBytes(buffer: Uint8Array): Uint8Array;
  /** mbedtls bindings, only in images linked with `--crypto` (apps using lib/tls): see runtime/crypto/mbedtls.c. */
  aead?(seal: boolean, alg: number, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, input: Uint8Array, output: Uint8Array): boolean;
  digest?(alg: number, data: Uint8Array, output: Uint8Array): void;
  hmac?(alg: number, key: Uint8Array, data: Uint8Array, output: Uint8Array): void;
  ecKeyShare?(group: number, privateKey: Uint8Array, output: Uint8Array): boolean;
  ecSharedSecret?(group: number, privateKey: Uint8Array, peerShare: Uint8Array, output: Uint8Array): boolean;
  ecdsaP256Sign?(d: Uint8Array, hash: Uint8Array, output: Uint8Array): number;
  ecdsaP256Verify?(point: Uint8Array, hash: Uint8Array, signature: Uint8Array): boolean;
  rsaVerify?(pss: boolean, alg: number, n: Uint8Array, e: Uint8Array, hash: Uint8Array, signature: Uint8Array): boolean;
  rsaPssSign?(alg: number, n: Uint8Array, e: Uint8Array, d: Uint8Array, p: Uint8Array, q: Uint8Array, hash: Uint8Array, output: Uint8Array): void;
  memory(): { heapSize: number; inUse: number; peak: number; pagesUsed: number; jsStack: number; outOfMemory: number };
  /**
   * poolTap: in a forked child holding a kiln-hvt --fork-net tap, 1 + its position in the pool; else 0.
   * offloadFrameMax: the largest frame with large TCP segments (kiln_net_offload.h), 0 when the device offers none.
   */
  netAcquire(name: string): { handle: number; mac: Uint8Array; mtu: number; poolTap: number; offloadFrameMax: number };
  /** Bytes of the frame read into `buffer` (at least offloadFrameMax long, if any), or -1 when no frame is pending. */
  netRead(handle: number, buffer: Uint8Array): number;
  /** With a segment size: a large TCP segment for the device to cut. */
  netWrite(handle: number, frame: Uint8Array, segmentSize?: number): void;
  /** Calls `callback` when input is pending; the watch keeps the unikernel running unless `keepAlive` is false. */
  netWatch(handle: number, callback: ((handle: number) => void) | null, keepAlive?: boolean): void;
  /** `durableFlush`: whether blockFlush makes writes durable on this tender (false on upstream Solo5 tenders). */
  blockAcquire(name: string): { handle: number; capacity: number; blockSize: number; durableFlush: boolean };
  blockRead(handle: number, offset: number, buffer: Uint8Array): void;
  blockWrite(handle: number, offset: number, data: Uint8Array): void;
  /** Returns once completed writes are durable (kiln-hvt's block flush, fdatasync on the hosted platform); a no-op without durableFlush. */
  blockFlush(handle: number): void;
  /** Copies the unikernel: the child's id in the parent, 0 in the child (kiln-hvt's fork device). */
  fork(): number;
  /** A child's exit status (0..255; 255 when it crashed), or -1 while it runs. */
  wait(id: number): number;
  /** Calls `callback` when a child may have ended; `null` stops. Keeps the unikernel running. */
  forkWatch(callback: (() => void) | null): void;
  /** A new pipe: [read end, write end] (kiln-hvt's pipe device). */
  pipeCreate(): [number, number];
  /** Bytes read into `buffer` (0: end of file), or -1 while the pipe is empty. */
  pipeRead(end: number, buffer: Uint8Array): number;
  /** Bytes of `data` written, or -1 while the pipe is full; throws `EPIPE` with no reader anywhere. */
  pipeWrite(end: number, data: Uint8Array): number;
  pipeClose(end: number): void;
  /** Calls `callback` when some pipe end may be ready; `null` stops. Keeps the unikernel running. */
  pipeWatch(callback: (() => void) | null): void;
  /**
   * Set by the image's bundle (stack-trace-prelude.ts): the runtime passes
   * the frames of every `err.stack` through it, to name the TypeScript
   * sources (runtime/src/error_stack.c).
   */
  formatStack?: (stack: string) => string;
  /** Calls `fn` at `deadlineMs` of `monotonicMs()`'s clock (same deadline: arming order); an id for clearTimeout. */
  timerAt(fn: () => void, deadlineMs: number): number;
  /**
   * Set by the platform: called once when the tender passes on a stop
   * request (SIGTERM or SIGINT, by number). Without it the unikernel ends
   * at the request with 128 + the signal.
   */
  onStop?: (signal: number) => void;
}

declare global {
  // eslint-disable-next-line no-var
  var __kiln: KilnBindings;
}

/** The code of a binding's error for a device that is not this unikernel's (kiln-hvt's KILN_R_UNAVAILABLE: a forked child's). */
export const UNAVAILABLE = 'EUNAVAIL';

/** The `code` a binding put on an error it threw, or 'EUNSPEC'. */
export function bindingErrorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNSPEC';
}

export function bindings(): KilnBindings {
  return globalThis.__kiln;
}
