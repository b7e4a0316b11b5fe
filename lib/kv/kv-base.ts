/**
 * The Kv operations written once over a Namespace, for every store: what a
 * store adds is where value bytes live (`read`), what a write costs
 * (`persist`, which resolves once the changes are durable) and how a value
 * is kept per key (`make`).
 */
import { KvError, type Kv, type KvEntry, type KvKind, type KvWrite } from '../devices/kv.ts';
import { crc32, crc32Hex } from '../crc32.ts';
import { encodeUtf8, utf8Length } from '../text/utf8.ts';
import { join, Namespace, normalKey, type Change } from './namespace.ts';

/** What every store keeps per value. */
export interface ValueMeta {
  size: number;
  /** Milliseconds since the UNIX epoch. */
  mtime: number;
  /** CRC-32 (lib/crc32.ts) of the value's bytes. */
  crc: number;
}

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new KvError('invalid-argument', `${what} ${n}: not a non-negative integer`);
}

export abstract class KvBase<V extends ValueMeta> implements Kv {
  protected ns = new Namespace<V>();

  constructor(protected readonly now: () => number) {}

  /** Throws when the store cannot be used (closed, failed) or, for `write`, cannot be written. */
  protected abstract usable(write: boolean): void;
  /** `length` bytes of `value` from `offset` (within its size). `key` is where it was found. */
  protected abstract read(key: string, value: V, offset: number, length: number): Promise<Uint8Array>;
  /** The per-key record of a new value. */
  protected abstract make(key: string, bytes: Uint8Array, mtime: number): V;
  /** Makes `changes` (already applied to `ns`) durable; on rejection they must have been undone. */
  protected abstract persist(changes: Change<V>[]): Promise<void>;
  /** The largest value a key of `keyBytes` may hold, if the store has such a limit: larger ones are refused before being copied. */
  protected largestValue(_keyBytes: number): number {
    return Number.POSITIVE_INFINITY;
  }

  async exists(key: string): Promise<KvKind | null> {
    this.usable(false);
    return this.ns.kind(normalKey(key));
  }

  /** Not async: a get's promise is the read's own (see LogStore.read). */
  get(key: string): Promise<Uint8Array> {
    try {
      const [k, v] = this.valueAt(key);
      return this.read(k, v, 0, v.size);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async getPartial(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkCount(offset, 'offset');
    checkCount(length, 'length');
    const [k, v] = this.valueAt(key);
    const start = Math.min(offset, v.size);
    return this.read(k, v, start, Math.min(length, v.size - start));
  }

  async list(key: string): Promise<KvEntry[]> {
    const dir = this.dictionaryAt(key);
    return this.ns.children(dir).map((name) => {
      const child = join(dir, name);
      return { key: child, kind: this.ns.kind(child)! };
    });
  }

  async lastModified(key: string): Promise<number> {
    this.usable(false);
    const k = normalKey(key);
    if (this.ns.kind(k) === null) throw new KvError('not-found', `'${k}': not found`);
    let latest = 0;
    for (const child of this.ns.keysUnder(k)) latest = Math.max(latest, this.ns.value(child)!.mtime);
    return latest;
  }

  async digest(key: string): Promise<string> {
    this.usable(false);
    const k = normalKey(key);
    if (this.ns.kind(k) === null) throw new KvError('not-found', `'${k}': not found`);
    return crc32Hex(this.crcOf(k));
  }

  async size(key: string): Promise<number> {
    return this.valueAt(key)[1].size;
  }

  set(key: string, value: Uint8Array): Promise<void> {
    return this.commit([{ op: 'set', key, value }]);
  }

  async setPartial(key: string, offset: number, data: Uint8Array): Promise<void> {
    checkCount(offset, 'offset');
    const k = normalKey(key);
    for (;;) {
      this.usable(true);
      const old = this.ns.value(k);
      const before = old ? await this.read(k, old, 0, old.size) : new Uint8Array(0);
      if (this.ns.value(k) !== old) continue; // written meanwhile: start again from the new value
      const merged = new Uint8Array(Math.max(before.length, offset + data.length));
      merged.set(before);
      merged.set(data, offset);
      return this.commit([{ op: 'set', key: k, value: merged }]);
    }
  }

  remove(key: string): Promise<void> {
    return this.commit([{ op: 'remove', key }]);
  }

  async rename(source: string, dest: string): Promise<void> {
    const from = normalKey(source);
    const to = normalKey(dest);
    if (from === '' || to === '' || to.startsWith(`${from}/`)) {
      throw new KvError('invalid-argument', `rename '${from}' to '${to}': the root cannot move, nor a dictionary into itself`);
    }
    for (;;) {
      this.usable(true);
      const kind = this.ns.kind(from);
      if (kind === null) throw new KvError('not-found', `'${from}': not found`);
      if (from === to) return;
      const there = this.ns.kind(to);
      if (there === 'dictionary' || (there === 'value' && kind === 'dictionary')) {
        throw new KvError('already-present', `rename '${from}': '${to}' exists`);
      }
      const keys = this.ns.keysUnder(from);
      const values = keys.map((k) => this.ns.value(k)!);
      const bytes = await Promise.all(keys.map((k, i) => this.read(k, values[i]!, 0, values[i]!.size)));
      if (keys.some((k, i) => this.ns.value(k) !== values[i]) || this.ns.keysUnder(from).length !== keys.length) continue;
      const moved: KvWrite[] = keys.map((k, i) => ({ op: 'set', key: to + k.slice(from.length), value: bytes[i]! }));
      return this.commit([{ op: 'remove', key: from }, ...moved]);
    }
  }

  async allocate(key: string, size: number): Promise<void> {
    checkCount(size, 'size');
    this.usable(true);
    const k = normalKey(key);
    if (this.ns.kind(k) !== null) throw new KvError('already-present', `'${k}' exists`);
    return this.commit([{ op: 'set', key: k, value: new Uint8Array(size) }]);
  }

  batch(writes: KvWrite[]): Promise<void> {
    if (!Array.isArray(writes)) return Promise.reject(new KvError('invalid-argument', 'batch: expected an array of writes'));
    return this.commit(writes);
  }

  abstract sync(): Promise<void>;
  abstract close(): Promise<void>;

  private async commit(writes: KvWrite[]): Promise<void> {
    this.usable(true);
    const normal = writes.map((w): KvWrite => {
      if (w?.op === 'set') {
        if (!(w.value instanceof Uint8Array)) throw new KvError('invalid-argument', `set '${String(w.key)}': the value is not a Uint8Array`);
        const key = normalKey(w.key);
        const largest = this.largestValue(utf8Length(key));
        if (w.value.length > largest) throw new KvError('no-space', `set '${key}': a value of ${w.value.length} bytes is larger than this store's largest (${largest})`);
        return { op: 'set', key, value: w.value };
      }
      if (w?.op === 'remove') return { op: 'remove', key: normalKey(w.key) };
      throw new KvError('invalid-argument', `batch: write ${JSON.stringify(w)} is neither a set nor a remove`);
    });
    if (normal.length === 0) return;
    const mtime = this.now();
    const changes = this.ns.apply(normal, (key, bytes) => this.make(key, bytes.slice(), mtime));
    return this.persist(changes);
  }

  private valueAt(key: string): [string, V] {
    this.usable(false);
    const k = normalKey(key);
    const v = this.ns.value(k);
    if (v !== undefined) return [k, v];
    if (this.ns.kind(k) === 'dictionary') throw new KvError('value-expected', `'${k}' is a dictionary`);
    throw new KvError('not-found', `'${k}': not found`);
  }

  private dictionaryAt(key: string): string {
    this.usable(false);
    const k = normalKey(key);
    const kind = this.ns.kind(k);
    if (kind === 'value') throw new KvError('dictionary-expected', `'${k}' is a value`);
    if (kind === null) throw new KvError('not-found', `'${k}': not found`);
    return k;
  }

  /** A value's CRC; a dictionary's is the CRC of its sorted `name kind crc` lines. */
  private crcOf(key: string): number {
    const v = this.ns.value(key);
    if (v !== undefined) return v.crc;
    let crc = 0;
    for (const name of this.ns.children(key)) {
      const child = join(key, name);
      crc = crc32(encodeUtf8(`${name} ${this.ns.kind(child)} ${crc32Hex(this.crcOf(child))}\n`), crc);
    }
    return crc;
  }
}
