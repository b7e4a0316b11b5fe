/**
 * crypto.subtle (Web Cryptography API) for what servers most need: `digest`
 * (SHA-1, SHA-256, SHA-384, SHA-512) and HMAC keys (`importKey` and
 * `exportKey` in raw form, `generateKey`, `sign`, `verify`). SHA-2 and its
 * HMACs run in the platform's native primitives when it registered them
 * (images: the runtime's mbedtls bindings, lib/tls/crypto-slot.ts), some
 * 200 times faster than JavaScript under QuickJS; else, and for SHA-1
 * always, in @noble/hashes. Anything else rejects with the DOMException the
 * standard names (NotSupportedError for an unknown algorithm or format,
 * InvalidAccessError for a key used against its usages, SyntaxError for bad
 * usages, DataError for bad key data).
 */
import '../tls/noble-shims.ts';
import { registeredNative } from '../tls/crypto-slot.ts';
import type { HashAlgorithm } from '../tls/crypto-provider.ts';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { promiseCall } from './deferred.ts';
import { DOMException } from './dom-exception.ts';

type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
type KeyUsage = 'encrypt' | 'decrypt' | 'sign' | 'verify' | 'deriveKey' | 'deriveBits' | 'wrapKey' | 'unwrapKey';
export type AlgorithmIdentifier = string | { name: string; [member: string]: unknown };
type BufferSource = ArrayBuffer | ArrayBufferView;

const HASHES: Record<HashName, { hash: CHash; blockBytes: number; native: HashAlgorithm | null }> = {
  'SHA-1': { hash: sha1, blockBytes: 64, native: null },
  'SHA-256': { hash: sha256, blockBytes: 64, native: 'sha256' },
  'SHA-384': { hash: sha384, blockBytes: 128, native: 'sha384' },
  'SHA-512': { hash: sha512, blockBytes: 128, native: 'sha512' },
};

/** Which implementation computes `hash` here: 'mbedtls' (or another native name) or '@noble'. */
export function hashBackend(hash: HashName): string {
  const native = registeredNative();
  return native && HASHES[hash].native ? native.name : '@noble';
}

function digestBytes(hash: HashName, data: Uint8Array): Uint8Array {
  const { hash: noble, native: name } = HASHES[hash];
  const native = registeredNative();
  return native && name ? native.hash(name, data) : noble(data);
}
const KEY_USAGES: KeyUsage[] = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey'];
const HMAC_USAGES: KeyUsage[] = ['sign', 'verify'];

const notSupported = (what: string) => new DOMException(`${what} is not supported`, 'NotSupportedError');

/** WebCrypto's "normalize an algorithm": a name matched case-insensitively against the registered ones. */
function algorithmName(algorithm: AlgorithmIdentifier, registered: readonly string[], operation: string): string {
  const name = typeof algorithm === 'string' ? algorithm : typeof algorithm === 'object' && algorithm !== null ? algorithm.name : undefined;
  if (typeof name !== 'string') throw new TypeError(`${operation}: the algorithm has no name`);
  const found = registered.find((r) => r.toUpperCase() === name.toUpperCase());
  if (!found) throw notSupported(`${operation} with ${name}`);
  return found;
}

function hashName(algorithm: AlgorithmIdentifier, operation: string): HashName {
  return algorithmName(algorithm, Object.keys(HASHES), operation) as HashName;
}

function bytesOf(data: BufferSource, what: string): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  throw new TypeError(`${what} must be an ArrayBuffer or an ArrayBuffer view`);
}

const bufferOf = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;

/** Compares in time that depends on the length only. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

const KEY_SLOT = Symbol('CryptoKey');

export interface HmacKeyAlgorithm {
  name: 'HMAC';
  hash: { name: HashName };
  length: number;
}

export class CryptoKey {
  readonly #algorithm: HmacKeyAlgorithm;
  readonly #extractable: boolean;
  readonly #usages: KeyUsage[];
  readonly #secret: Uint8Array;

  /** Made by SubtleCrypto only. */
  constructor(key: symbol, algorithm: HmacKeyAlgorithm, extractable: boolean, usages: KeyUsage[], secret: Uint8Array) {
    if (key !== KEY_SLOT) throw new TypeError('Illegal constructor');
    this.#algorithm = algorithm;
    this.#extractable = extractable;
    this.#usages = usages;
    this.#secret = secret;
  }

  get type(): 'secret' {
    return 'secret';
  }
  get extractable(): boolean {
    return this.#extractable;
  }
  get algorithm(): HmacKeyAlgorithm {
    return { name: this.#algorithm.name, hash: { name: this.#algorithm.hash.name }, length: this.#algorithm.length };
  }
  get usages(): KeyUsage[] {
    return [...this.#usages];
  }
  get [Symbol.toStringTag](): string {
    return 'CryptoKey';
  }

  /** The key's secret for `usage`, or an InvalidAccessError when the key is not an HMAC key for it. */
  static secretFor(key: unknown, algorithm: string, usage: KeyUsage): { secret: Uint8Array; hash: HashName } {
    if (!(key instanceof CryptoKey)) throw new TypeError('the key is not a CryptoKey');
    if (key.#algorithm.name !== algorithm) throw new DOMException(`the key is not a ${algorithm} key`, 'InvalidAccessError');
    if (!key.#usages.includes(usage)) throw new DOMException(`the key's usages do not include ${usage}`, 'InvalidAccessError');
    return { secret: key.#secret, hash: key.#algorithm.hash.name };
  }

  static exportable(key: unknown): Uint8Array {
    if (!(key instanceof CryptoKey)) throw new TypeError('the key is not a CryptoKey');
    if (!key.#extractable) throw new DOMException('the key is not extractable', 'InvalidAccessError');
    return key.#secret;
  }
}

/** The HMAC key parameters: hash and length in bits (the hash's block size unless given). */
function hmacParams(algorithm: AlgorithmIdentifier, operation: string): { hash: HashName; length: number | undefined } {
  if (typeof algorithm !== 'object' || algorithm === null || algorithm.hash === undefined) throw new TypeError(`${operation}: HMAC needs a hash`);
  const hash = hashName(algorithm.hash as AlgorithmIdentifier, operation);
  const length = algorithm.length === undefined ? undefined : Number(algorithm.length);
  if (length !== undefined && (!Number.isInteger(length) || length < 0)) throw new TypeError(`${operation}: invalid HMAC length`);
  return { hash, length };
}

function checkUsages(usages: Iterable<KeyUsage>, operation: string): KeyUsage[] {
  const list = [...usages];
  for (const usage of list) {
    if (!KEY_USAGES.includes(usage)) throw new TypeError(`${operation}: unknown key usage ${String(usage)}`);
    if (!HMAC_USAGES.includes(usage)) throw new DOMException(`${operation}: an HMAC key cannot be used to ${usage}`, 'SyntaxError');
  }
  if (list.length === 0) throw new DOMException(`${operation}: a secret key needs at least one usage`, 'SyntaxError');
  return HMAC_USAGES.filter((usage) => list.includes(usage));
}

function sign(hash: HashName, secret: Uint8Array, data: Uint8Array): Uint8Array {
  const { hash: noble, native: name } = HASHES[hash];
  const native = registeredNative();
  return native && name ? native.hmac(name, secret, data) : hmac(noble, secret, data);
}

export class SubtleCrypto {
  /** Made by the platform only. */
  constructor(key: symbol) {
    if (key !== KEY_SLOT) throw new TypeError('Illegal constructor');
  }

  digest(algorithm: AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer> {
    return promiseCall(() => bufferOf(digestBytes(hashName(algorithm, 'digest'), bytesOf(data, 'digest: data'))));
  }

  importKey(format: string, keyData: BufferSource, algorithm: AlgorithmIdentifier, extractable: boolean, usages: Iterable<KeyUsage>): Promise<CryptoKey> {
    return promiseCall(() => {
      algorithmName(algorithm, ['HMAC'], 'importKey');
      const { hash, length } = hmacParams(algorithm, 'importKey');
      const kept = checkUsages(usages, 'importKey');
      if (format !== 'raw') throw notSupported(`importKey in the ${String(format)} format`);
      const secret = bytesOf(keyData, 'importKey: the key data');
      const bits = secret.length * 8;
      if (bits === 0) throw new DOMException('importKey: the key is empty', 'DataError');
      // WebCrypto: a given length must fall within the last byte of the data.
      if (length !== undefined && (length > bits || length <= bits - 8)) throw new DOMException('importKey: the length does not match the key data', 'DataError');
      return new CryptoKey(KEY_SLOT, { name: 'HMAC', hash: { name: hash }, length: length ?? bits }, Boolean(extractable), kept, secret);
    });
  }

  exportKey(format: string, key: CryptoKey): Promise<ArrayBuffer> {
    return promiseCall(() => {
      if (!(key instanceof CryptoKey)) throw new TypeError('exportKey: the key is not a CryptoKey');
      if (format !== 'raw') throw notSupported(`exportKey in the ${String(format)} format`);
      return bufferOf(CryptoKey.exportable(key));
    });
  }

  generateKey(algorithm: AlgorithmIdentifier, extractable: boolean, usages: Iterable<KeyUsage>): Promise<CryptoKey> {
    return promiseCall(() => {
      algorithmName(algorithm, ['HMAC'], 'generateKey');
      const { hash, length } = hmacParams(algorithm, 'generateKey');
      const kept = checkUsages(usages, 'generateKey');
      const bits = length ?? HASHES[hash].blockBytes * 8;
      if (bits === 0) throw new DOMException('generateKey: the length is zero', 'OperationError');
      const secret = crypto.getRandomValues(new Uint8Array(Math.ceil(bits / 8)));
      return new CryptoKey(KEY_SLOT, { name: 'HMAC', hash: { name: hash }, length: bits }, Boolean(extractable), kept, secret);
    });
  }

  sign(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> {
    return promiseCall(() => {
      const name = algorithmName(algorithm, ['HMAC'], 'sign');
      const { secret, hash } = CryptoKey.secretFor(key, name, 'sign');
      return bufferOf(sign(hash, secret, bytesOf(data, 'sign: data')));
    });
  }

  verify(algorithm: AlgorithmIdentifier, key: CryptoKey, signature: BufferSource, data: BufferSource): Promise<boolean> {
    return promiseCall(() => {
      const name = algorithmName(algorithm, ['HMAC'], 'verify');
      const { secret, hash } = CryptoKey.secretFor(key, name, 'verify');
      return equalBytes(sign(hash, secret, bytesOf(data, 'verify: data')), bytesOf(signature, 'verify: the signature'));
    });
  }

  encrypt(): Promise<never> {
    return Promise.reject(notSupported('encrypt'));
  }
  decrypt(): Promise<never> {
    return Promise.reject(notSupported('decrypt'));
  }
  deriveBits(): Promise<never> {
    return Promise.reject(notSupported('deriveBits'));
  }
  deriveKey(): Promise<never> {
    return Promise.reject(notSupported('deriveKey'));
  }
  wrapKey(): Promise<never> {
    return Promise.reject(notSupported('wrapKey'));
  }
  unwrapKey(): Promise<never> {
    return Promise.reject(notSupported('unwrapKey'));
  }

  get [Symbol.toStringTag](): string {
    return 'SubtleCrypto';
  }
}

/** The one SubtleCrypto of a platform (crypto.subtle). */
export const subtle = new SubtleCrypto(KEY_SLOT);
