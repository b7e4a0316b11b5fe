import { KilnError } from '../errors.ts';

export type KvErrorCode =
  /** No value or dictionary at the key. */
  | 'not-found'
  /** The key (or one of its parents) is a value where a dictionary is needed. */
  | 'dictionary-expected'
  /** The key is a dictionary where a value is needed. */
  | 'value-expected'
  /** The store has no room for the write (or the value is larger than the store's largest record). */
  | 'no-space'
  /** The destination of `allocate` or `rename` already exists. */
  | 'already-present'
  /** A key or argument is malformed (empty segment, too long, negative offset...). */
  | 'invalid-argument'
  /** The device failed; after a failed write the store refuses everything until it is opened again. */
  | 'io'
  /** What is on the device is not a valid store, or a checksum does not match. */
  | 'corrupt'
  /** The store was written by a newer format version, or the device does not fit the format. */
  | 'unsupported'
  /** The store is read-only (its device is). */
  | 'read-only'
  /** The store has been closed. */
  | 'closed';

export class KvError extends KilnError<KvErrorCode> {}

/** What a key names. */
export type KvKind = 'value' | 'dictionary';

export interface KvEntry {
  /** The entry's full key. */
  key: string;
  kind: KvKind;
}

/** One write of an atomic `batch`. */
export type KvWrite = { op: 'set'; key: string; value: Uint8Array } | { op: 'remove'; key: string };

/**
 * Kv: a key-value store with hierarchical keys, shaped after MirageOS's
 * `Mirage_kv.RW`.
 *
 * Keys are paths: segments separated by `/` (a leading `/` is ignored, the
 * empty key is the root dictionary). A key names a value or a dictionary;
 * dictionaries exist while something is stored below them.
 *
 * **Durability rule**: `set`, `setPartial`, `remove`, `rename`, `allocate`
 * and `batch` resolve only once their effect is durable (survives a crash or
 * power loss of the host), unless the store was opened without durability,
 * in which case they resolve once written and `sync()` is the barrier. A
 * write that rejects has changed nothing. A read that runs while a write is
 * in flight may see that write.
 */
export interface Kv {
  /** What `key` names, or null when nothing is there. */
  exists(key: string): Promise<KvKind | null>;
  /** The whole value at `key`. */
  get(key: string): Promise<Uint8Array>;
  /** Up to `length` bytes of the value at `key` from `offset` (fewer at its end; none past it). */
  getPartial(key: string, offset: number, length: number): Promise<Uint8Array>;
  /** The entries directly below the dictionary `key`, sorted by key. */
  list(key: string): Promise<KvEntry[]>;
  /** When the value was last written, or the latest of a dictionary's values (ms since the UNIX epoch). */
  lastModified(key: string): Promise<number>;
  /** A string that changes when the content at `key` (value or whole dictionary) changes. */
  digest(key: string): Promise<string>;
  /** The size in bytes of the value at `key`. */
  size(key: string): Promise<number>;
  /** Stores `value` at `key`, replacing a value there; parents become dictionaries. */
  set(key: string, value: Uint8Array): Promise<void>;
  /** Writes `data` into the value at `key` from `offset`, extending it (with zeros) as needed; a missing key starts empty. */
  setPartial(key: string, offset: number, data: Uint8Array): Promise<void>;
  /** Removes the value, or the whole dictionary, at `key`. */
  remove(key: string): Promise<void>;
  /**
   * Moves what `source` names to `dest`: a value replaces a value at `dest`;
   * `already-present` when `dest` is a dictionary, or a value and `source` a
   * dictionary; `invalid-argument` when `dest` lies inside `source`.
   */
  rename(source: string, dest: string): Promise<void>;
  /** Stores `size` zero bytes at `key`; `already-present` when the key exists. */
  allocate(key: string, size: number): Promise<void>;
  /** Applies every write in order, atomically: all become durable together, or none is applied. */
  batch(writes: KvWrite[]): Promise<void>;
  /** Resolves once every write that resolved before is durable (a no-op for a durable store). */
  sync(): Promise<void>;
  /** Waits for writes in flight, makes them durable, and closes; later calls reject with `closed`. */
  close(): Promise<void>;
}
