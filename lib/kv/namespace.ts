/**
 * The hierarchy of a Kv store, shared by every implementation: key syntax,
 * which keys are values and which dictionaries, and the rules a write must
 * follow (a value cannot sit where a dictionary is, or below a value).
 * Values are whatever the implementation keeps per key (`V`).
 */
import { KvError, type KvKind, type KvWrite } from '../devices/kv.ts';
import { utf8Length } from '../text/utf8.ts';

/** Longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** What a key already in normal form (of at most MAX_KEY_BYTES / 4 characters: UTF-8 takes at most 4 bytes each) never holds. */
const ODD_KEY = /^\/|\/$|\/\/|(^|\/)\.\.?(\/|$)|\0|^$/;

/**
 * The normal form of a key: segments joined by `/`, no leading or trailing
 * `/`; '' is the root. Rejects empty, `.` and `..` segments, NUL, and keys
 * longer than MAX_KEY_BYTES.
 */
export function normalKey(key: string): string {
  if (typeof key !== 'string') throw new KvError('invalid-argument', `key ${String(key)}: not a string`);
  // Most keys are normal already: one test instead of the full work.
  if (key.length <= MAX_KEY_BYTES / 4 && !ODD_KEY.test(key)) return key;
  const trimmed = key.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  for (const segment of trimmed.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || segment.includes('\0')) {
      throw new KvError('invalid-argument', `key '${key}': empty, '.', '..' or NUL segment`);
    }
  }
  if (utf8Length(trimmed) > MAX_KEY_BYTES) throw new KvError('invalid-argument', `key '${key.slice(0, 40)}...': longer than ${MAX_KEY_BYTES} bytes`);
  return trimmed;
}

export function parentOf(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

export function nameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** The full key of `name` in dictionary `dir`. */
export function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** A primitive change: `value` stored at `key`, or the value at `key` removed (`value` undefined). */
export interface Change<V> {
  key: string;
  value: V | undefined;
  /** What was at `key` before (for undo). */
  previous: V | undefined;
}

export class Namespace<V> {
  private readonly values = new Map<string, V>();
  /** Dictionary key -> names of its children (values and dictionaries). The root always exists. */
  private readonly dirs = new Map<string, Set<string>>([['', new Set()]]);

  get count(): number {
    return this.values.size;
  }

  value(key: string): V | undefined {
    return this.values.get(key);
  }

  kind(key: string): KvKind | null {
    if (this.values.has(key)) return 'value';
    return this.dirs.has(key) ? 'dictionary' : null;
  }

  /** Names directly below dictionary `key`, sorted. */
  children(key: string): string[] {
    return [...(this.dirs.get(key) ?? [])].sort();
  }

  /** Every value key at or below `key`. */
  keysUnder(key: string): string[] {
    if (this.values.has(key)) return [key];
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const name of this.dirs.get(dir) ?? []) {
        const child = join(dir, name);
        if (this.values.has(child)) out.push(child);
        else walk(child);
      }
    };
    walk(key);
    return out;
  }

  entries(): IterableIterator<[string, V]> {
    return this.values.entries();
  }

  /** Throws the KvError a value at `key` would break. */
  checkSet(key: string): void {
    if (key === '' || this.dirs.has(key)) throw new KvError('value-expected', `'${key}' is a dictionary`);
    for (let dir = parentOf(key); dir !== ''; dir = parentOf(dir)) {
      if (this.values.has(dir)) throw new KvError('dictionary-expected', `'${dir}' is a value, so '${key}' cannot be stored below it`);
    }
  }

  /** Stores `value` at `key`, which must pass checkSet; returns what was there. */
  put(key: string, value: V): V | undefined {
    const previous = this.values.get(key);
    this.values.set(key, value);
    if (previous !== undefined) return previous;
    for (let child = key; child !== ''; child = parentOf(child)) {
      const dir = parentOf(child);
      const names = this.dirs.get(dir);
      if (names) {
        names.add(nameOf(child));
        break;
      }
      this.dirs.set(dir, new Set([nameOf(child)]));
    }
    return undefined;
  }

  /** Removes the value at `key`, and the dictionaries that become empty; returns it. */
  delete(key: string): V | undefined {
    const previous = this.values.get(key);
    if (previous === undefined) return undefined;
    this.values.delete(key);
    for (let child = key; child !== ''; child = parentOf(child)) {
      const dir = parentOf(child);
      const names = this.dirs.get(dir)!;
      names.delete(nameOf(child));
      if (names.size > 0 || dir === '') break;
      this.dirs.delete(dir);
    }
    return previous;
  }

  /**
   * Applies `writes` in order (keys already normal), each checked against the
   * state the ones before it left; a remove of a dictionary removes every
   * value below it. On the first refused write every change is undone and
   * its KvError thrown. Returns the primitive changes made.
   */
  apply(writes: readonly KvWrite[], make: (key: string, value: Uint8Array) => V): Change<V>[] {
    const changes: Change<V>[] = [];
    try {
      for (const [i, w] of writes.entries()) {
        try {
          if (w.op === 'set') {
            this.checkSet(w.key);
            const value = make(w.key, w.value);
            changes.push({ key: w.key, value, previous: this.put(w.key, value) });
          } else {
            if (this.kind(w.key) === null) throw new KvError('not-found', `'${w.key}': nothing to remove`);
            for (const key of this.keysUnder(w.key)) changes.push({ key, value: undefined, previous: this.delete(key) });
          }
        } catch (err) {
          if (err instanceof KvError && writes.length > 1) throw new KvError(err.code, `write ${i} of the batch: ${err.message}`);
          throw err;
        }
      }
    } catch (err) {
      this.undo(changes);
      throw err;
    }
    return changes;
  }

  /** Reverts `changes` (as apply returned them), last first. */
  undo(changes: readonly Change<V>[]): void {
    for (let i = changes.length - 1; i >= 0; i--) {
      const c = changes[i]!;
      if (c.previous === undefined) this.delete(c.key);
      else this.put(c.key, c.previous);
    }
  }
}
