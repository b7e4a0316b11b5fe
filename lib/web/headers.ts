/**
 * Headers (Fetch Standard section 5.2): a header list with case-insensitive
 * names, values normalized (leading and trailing HTTP whitespace removed),
 * iteration sorted by name with repeats combined, except Set-Cookie.
 */
import { isToken } from '../http/syntax.ts';

export type HeadersInit = Headers | Iterable<readonly [string, string] | string[]> | Record<string, string>;

// Fetch: a value has no leading/trailing HTTP whitespace and no NUL, CR or LF; code units fit a byte.
const INVALID_VALUE = /[\0\r\n\u0100-\uffff]/;
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
  if (INVALID_VALUE.test(text)) throw new TypeError(`Headers: invalid value for header ${name}`);
  return text;
}

export class Headers implements Iterable<[string, string]> {
  /** [lower-case name, value], in the order added. */
  #list: [string, string][] = [];
  #immutable = false;

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    if (typeof init !== 'object' || init === null) throw new TypeError('Headers: init must be an object');
    const iteratorMethod = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    // Another Headers with its own iterator gives what iterating it would, copied as its list (every Request and Response construction does this).
    const list = iteratorMethod === Headers.prototype[Symbol.iterator] ? Headers.#listOf(init) : null;
    if (list) this.#list = list.map(([n, v]) => [n, v]);
    else for (const [name, value] of initPairs(init, iteratorMethod)) this.append(name, value);
  }

  /** `value`'s header list if it is a Headers (not a Proxy of one: that throws, and is iterated instead). */
  static #listOf(value: object): [string, string][] | null {
    try {
      return (value as Headers).#list;
    } catch {
      return null;
    }
  }

  /** Makes `headers` refuse changes (a Response.error() or redirect's, a fetched response's). */
  static freeze(headers: Headers): Headers {
    headers.#immutable = true;
    return headers;
  }

  #mutable(): void {
    if (this.#immutable) throw new TypeError('Headers: immutable');
  }

  append(name: string, value: string): void {
    const lower = checkName(name);
    const checked = checkValue(name, value);
    this.#mutable();
    this.#list.push([lower, checked]);
  }

  set(name: string, value: string): void {
    const lower = checkName(name);
    const checked = checkValue(name, value);
    this.#mutable();
    const first = this.#list.findIndex(([n]) => n === lower);
    if (first < 0) this.#list.push([lower, checked]);
    else {
      this.#list[first] = [lower, checked];
      this.#list = this.#list.filter(([n], i) => i <= first || n !== lower);
    }
  }

  delete(name: string): void {
    const lower = checkName(name);
    this.#mutable();
    this.#list = this.#list.filter(([n]) => n !== lower);
  }

  get(name: string): string | null {
    const lower = checkName(name);
    const values = this.#list.filter(([n]) => n === lower).map(([, v]) => v);
    return values.length === 0 ? null : values.join(', ');
  }

  getSetCookie(): string[] {
    return this.#list.filter(([n]) => n === 'set-cookie').map(([, v]) => v);
  }

  has(name: string): boolean {
    const lower = checkName(name);
    return this.#list.some(([n]) => n === lower);
  }

  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    if (typeof callback !== 'function') throw new TypeError('Headers.forEach: the callback is not a function');
    for (const [name, value] of this) callback.call(thisArg, value, name, this);
  }

  /** Fetch's "sort and combine": names sorted, values of a name joined, except Set-Cookie's. */
  static sortedAndCombined(headers: Headers): [string, string][] {
    const names = [...new Set(headers.#list.map(([n]) => n))].sort();
    const out: [string, string][] = [];
    for (const name of names) {
      if (name === 'set-cookie') for (const value of headers.getSetCookie()) out.push([name, value]);
      else out.push([name, headers.get(name)!]);
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
}
