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
    if (init === undefined || init === null) return;
    if (typeof init !== 'object') throw new TypeError('Headers: init must be an object');
    if (init instanceof Headers) this.#list = init.#list.map(([n, v]) => [n, v]);
    else if (Symbol.iterator in init) {
      for (const pair of init as Iterable<string[]>) {
        const items = [...pair];
        if (items.length !== 2) throw new TypeError('Headers: each header must be a [name, value] pair');
        this.append(items[0]!, items[1]!);
      }
    } else for (const key of Object.keys(init)) this.append(key, (init as Record<string, string>)[key]!);
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
    for (const [name, value] of this) callback.call(thisArg, value, name, this);
  }

  /** Fetch's "sort and combine". */
  *entries(): IterableIterator<[string, string]> {
    const names = [...new Set(this.#list.map(([n]) => n))].sort();
    for (const name of names) {
      if (name === 'set-cookie') for (const value of this.getSetCookie()) yield [name, value];
      else yield [name, this.get(name)!];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}
