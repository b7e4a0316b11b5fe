/**
 * Headers (Fetch Standard section 5.2): a header list with case-insensitive
 * names, values normalized (leading and trailing HTTP whitespace removed),
 * iteration sorted by name with repeats combined, except Set-Cookie.
 *
 * The one header list of Kiln: lib/http's messages carry it too. So that
 * nothing set here can split or corrupt a message on the wire, a value is
 * held to RFC 9110's field-value (HTAB, SP, VCHAR, obs-text), stricter than
 * the standard's "no NUL, CR or LF". The statics at the end are lib/http's
 * hot path: its own fields, by lower-case name, neither checked again nor
 * sorted.
 */
import { isFieldValue, isToken } from '../http/syntax.ts';

export type HeadersInit = Headers | Iterable<readonly [string, string] | string[]> | Record<string, string>;

const normalizeValue = (value: unknown) => String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');

function checkName(name: unknown): string {
  const text = String(name);
  if (!isToken(text)) throw new TypeError(`Headers: invalid header name ${JSON.stringify(text)}`);
  return text.toLowerCase();
}

/** WebIDL's ByteString: ToString, then every code unit must fit a byte. */
function byteString(value: unknown): string {
  if (typeof value === 'symbol') throw new TypeError('Headers: a Symbol is not a header name or value');
  const text = String(value);
  if (/[^\0-\xff]/.test(text)) throw new TypeError(`Headers: ${JSON.stringify(text)} has characters beyond U+00FF`);
  return text;
}

/**
 * HeadersInit converted as WebIDL does, in its order of operations: a
 * sequence of pairs when the object has a Symbol.iterator, else a record
 * (own enumerable keys, each converted before its value is read).
 * `iteratorMethod` is init's Symbol.iterator, already read.
 */
function initPairs(init: object, iteratorMethod: unknown): [string, string][] {
  if (iteratorMethod !== undefined && iteratorMethod !== null) {
    if (typeof iteratorMethod !== 'function') throw new TypeError('Headers: init[Symbol.iterator] is not a function');
    const pairs: [string, string][] = [];
    for (const pair of { [Symbol.iterator]: () => iteratorMethod.call(init) as Iterator<unknown> }) {
      if (typeof pair !== 'object' || pair === null) throw new TypeError('Headers: each header must be a [name, value] pair');
      const items = [...(pair as Iterable<unknown>)].map(byteString);
      if (items.length !== 2) throw new TypeError('Headers: each header must be a [name, value] pair');
      pairs.push([items[0]!, items[1]!]);
    }
    return pairs;
  }
  const pairs: [string, string][] = [];
  for (const key of Reflect.ownKeys(init)) {
    const descriptor = Reflect.getOwnPropertyDescriptor(init, key);
    if (!descriptor?.enumerable) continue;
    const name = byteString(key);
    pairs.push([name, byteString((init as Record<PropertyKey, unknown>)[key])]);
  }
  return pairs;
}

const ITERATOR_PROTOTYPE = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;

/**
 * WebIDL's pair iterator: each step takes the entry at its index from the
 * list as it is then, so headers added or removed during a loop are seen.
 */
const HEADERS_ITERATOR_PROTOTYPE: object = Object.create(ITERATOR_PROTOTYPE, {
  next: {
    value(this: { headers: Headers; kind: 'key' | 'value' | 'key+value'; index: number }) {
      const entry = Headers.sortedAndCombined(this.headers)[this.index];
      if (!entry) return { done: true, value: undefined };
      this.index++;
      return { done: false, value: this.kind === 'key' ? entry[0] : this.kind === 'value' ? entry[1] : entry };
    },
    writable: true,
    enumerable: true,
    configurable: true,
  },
  [Symbol.toStringTag]: { value: 'Headers Iterator', configurable: true },
});

function headersIterator<T>(headers: Headers, kind: 'key' | 'value' | 'key+value'): IterableIterator<T> {
  return Object.assign(Object.create(HEADERS_ITERATOR_PROTOTYPE) as IterableIterator<T>, { headers, kind, index: 0 });
}

function checkValue(name: string, value: unknown): string {
  const text = normalizeValue(value);
  if (!isFieldValue(text)) throw new TypeError(`Headers: invalid characters in the value of header '${name}'`);
  return text;
}

// Internal state under module-private symbols rather than #private fields:
// bundles for images target ES2020, which turns #private into WeakMap
// lookups at every access (too slow for a server's per-request path).
const LIST = Symbol('list');
const IMMUTABLE = Symbol('immutable');

/** The first field of this name takes the value, later ones go; appended when there is none. */
function replace(list: [string, string][], lower: string, value: string): void {
  let kept = 0;
  let found = false;
  // Index loops here and below: iterator protocols are costly in QuickJS, and these run per request.
  for (let i = 0; i < list.length; i++) {
    const field = list[i]!;
    if (field[0] !== lower) list[kept++] = field;
    else if (!found) {
      found = true;
      list[kept++] = [lower, value];
    }
  }
  if (kept !== list.length) list.length = kept; // setting an array's length is a slow property set in QuickJS
  if (!found) list.push([lower, value]);
}

function remove(list: [string, string][], lower: string): void {
  // Most removals find nothing (a server clearing fields a handler rarely sets): look before moving anything.
  let kept = 0;
  while (kept < list.length && list[kept]![0] !== lower) kept++;
  if (kept === list.length) return;
  for (let i = kept + 1; i < list.length; i++) if (list[i]![0] !== lower) list[kept++] = list[i]!;
  list.length = kept;
}

function joined(list: [string, string][], lower: string): string | null {
  let out: string | null = null;
  for (let i = 0; i < list.length; i++) {
    const field = list[i]!;
    if (field[0] === lower) out = out === null ? field[1] : `${out}, ${field[1]}`;
  }
  return out;
}

function contains(list: [string, string][], lower: string): boolean {
  for (let i = 0; i < list.length; i++) if (list[i]![0] === lower) return true;
  return false;
}

export class Headers implements Iterable<[string, string]> {
  /** [lower-case name, value], in the order added. */
  [LIST]: [string, string][] = [];
  declare [IMMUTABLE]: boolean;

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    if (typeof init !== 'object' || init === null) throw new TypeError('Headers: init must be an object');
    const iteratorMethod = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    // Another Headers with its own iterator gives what iterating it would, copied as its list (every Request and Response construction does this).
    if (iteratorMethod === Headers.prototype[Symbol.iterator] && init instanceof Headers) this[LIST] = init[LIST].map(([n, v]) => [n, v]);
    else for (const [name, value] of initPairs(init, iteratorMethod)) this.append(name, value);
  }

  /** Makes `headers` refuse changes (a Response.error() or redirect's, a fetched response's). */
  static freeze(headers: Headers): Headers {
    headers[IMMUTABLE] = true;
    return headers;
  }

  append(name: string, value: string): void {
    const lower = checkName(name);
    const checked = checkValue(name, value);
    if (this[IMMUTABLE]) throw new TypeError('Headers: immutable');
    this[LIST].push([lower, checked]);
  }

  set(name: string, value: string): void {
    const lower = checkName(name);
    const checked = checkValue(name, value);
    if (this[IMMUTABLE]) throw new TypeError('Headers: immutable');
    replace(this[LIST], lower, checked);
  }


  delete(name: string): void {
    const lower = checkName(name);
    if (this[IMMUTABLE]) throw new TypeError('Headers: immutable');
    remove(this[LIST], lower);
  }


  get(name: string): string | null {
    return joined(this[LIST], checkName(name));
  }


  getSetCookie(): string[] {
    return Headers.valuesOf(this, 'set-cookie').slice();
  }

  has(name: string): boolean {
    return contains(this[LIST], checkName(name));
  }


  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    if (typeof callback !== 'function') throw new TypeError('Headers.forEach: the callback is not a function');
    for (const [name, value] of this) callback.call(thisArg, value, name, this);
  }

  /** Fetch's "sort and combine": names sorted, values of a name joined, except Set-Cookie's. */
  static sortedAndCombined(headers: Headers): [string, string][] {
    const list = headers[LIST];
    const names = [...new Set(list.map(([n]) => n))].sort();
    const out: [string, string][] = [];
    for (const name of names) {
      if (name === 'set-cookie') for (const value of Headers.valuesOf(headers, 'set-cookie')) out.push([name, value]);
      else out.push([name, joined(list, name)!]);
    }
    return out;
  }

  entries(): IterableIterator<[string, string]> {
    return headersIterator(this, 'key+value');
  }

  keys(): IterableIterator<string> {
    return headersIterator(this, 'key');
  }

  values(): IterableIterator<string> {
    return headersIterator(this, 'value');
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }

  // lib/http's access. The name is a lower-case constant or was lowered by
  // the head parser, and a value set here is valid by construction.

  /** The fields as [lower-case name, value] pairs in arrival order, not copied: for writing a head. */
  static fieldsOf(headers: Headers): readonly (readonly [string, string])[] {
    return headers[LIST];
  }

  /** Every value of the field, in order, not joined (for a field that is absent, as most are, no new array). */
  static valuesOf(headers: Headers, lowerName: string): readonly string[] {
    const list = headers[LIST];
    let out: string[] | null = null;
    for (let i = 0; i < list.length; i++) if (list[i]![0] === lowerName) (out ??= []).push(list[i]![1]);
    return out ?? NO_VALUES;
  }

  static getKnown(headers: Headers, lowerName: string): string | null {
    return joined(headers[LIST], lowerName);
  }

  static hasKnown(headers: Headers, lowerName: string): boolean {
    return contains(headers[LIST], lowerName);
  }

  static deleteKnown(headers: Headers, lowerName: string): void {
    remove(headers[LIST], lowerName);
  }

  /** Replaces every field of the name with one at the end (where a server's own fields go). */
  static setKnown(headers: Headers, lowerName: string, value: string): void {
    remove(headers[LIST], lowerName);
    headers[LIST].push([lowerName, value]);
  }

  /** Appends a field already valid, its name lower case (one parsed from the wire, or one known to be absent). */
  static appendParsed(headers: Headers, lowerName: string, value: string): void {
    headers[LIST].push([lowerName, value]);
  }

  /** Appends a [lower-case name, value] pair already valid, the pair itself (shared: a list never changes a pair in place). */
  static appendField(headers: Headers, field: readonly [string, string]): void {
    headers[LIST].push(field as [string, string]);
  }
}

// Defaults on the prototype: an instance gets its own value only when it needs another.
Headers.prototype[IMMUTABLE] = false;

const NO_VALUES: readonly string[] = Object.freeze([]);
