/**
 * URLSearchParams (WHATWG URL section 6.2) and the
 * application/x-www-form-urlencoded parser and serializer (section 5).
 */
import { formUrlencodedSet, percentDecode, percentEncode, utf8DecodeWithoutBom } from './percent-encode.ts';

export type URLSearchParamsInit = string | Iterable<readonly [string, string] | string[]> | Record<string, string> | URLSearchParams;

export function parseFormUrlencoded(input: string): [string, string][] {
  const out: [string, string][] = [];
  for (const sequence of input.split('&')) {
    if (sequence === '') continue;
    const eq = sequence.indexOf('=');
    const name = eq < 0 ? sequence : sequence.slice(0, eq);
    const value = eq < 0 ? '' : sequence.slice(eq + 1);
    const decode = (s: string) => utf8DecodeWithoutBom(percentDecode(s.replace(/\+/g, ' ')));
    out.push([decode(name), decode(value)]);
  }
  return out;
}

export const serializeFormUrlencoded = (list: readonly (readonly [string, string])[]): string =>
  list.map(([n, v]) => `${percentEncode(n, formUrlencodedSet, true)}=${percentEncode(v, formUrlencodedSet, true)}`).join('&');

/** Lone surrogates become U+FFFD, as WebIDL's USVString conversion does. */
export const toUsv = (value: unknown): string => String(value).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** Notifies the URL object that owns these parameters (URL.searchParams). */
type UpdateSteps = (serialized: string | null) => void;

export class URLSearchParams {
  #list: [string, string][] = [];
  #update: UpdateSteps | null = null;

  constructor(init: URLSearchParamsInit = '') {
    if (typeof init === 'object' && init !== null) {
      if (init instanceof URLSearchParams) this.#list = init.#list.map(([n, v]) => [n, v]);
      else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
        for (const pair of init as Iterable<string[]>) {
          const items = [...pair];
          if (items.length !== 2) throw new TypeError('URLSearchParams: each pair must have exactly two items');
          this.#list.push([toUsv(items[0]), toUsv(items[1])]);
        }
      } else {
        for (const key of Object.keys(init)) this.#list.push([toUsv(key), toUsv((init as Record<string, string>)[key])]);
      }
    } else {
      const text = toUsv(init);
      this.#list = parseFormUrlencoded(text.startsWith('?') ? text.slice(1) : text);
    }
  }

  /** Used by URL: ties these parameters to a URL's query. */
  static attach(params: URLSearchParams, query: string | null, update: UpdateSteps): void {
    params.#list = query === null ? [] : parseFormUrlencoded(query);
    params.#update = update;
  }

  /** Used by URL when its query changes by a setter. */
  static reset(params: URLSearchParams, query: string | null): void {
    params.#list = query === null ? [] : parseFormUrlencoded(query);
  }

  #changed(): void {
    if (this.#update) this.#update(this.#list.length === 0 ? null : serializeFormUrlencoded(this.#list));
  }

  get size(): number {
    return this.#list.length;
  }

  append(name: string, value: string): void {
    this.#list.push([toUsv(name), toUsv(value)]);
    this.#changed();
  }

  delete(name: string, value?: string): void {
    name = toUsv(name);
    const v = value === undefined ? undefined : toUsv(value);
    this.#list = this.#list.filter(([n, x]) => !(n === name && (v === undefined || x === v)));
    this.#changed();
  }

  get(name: string): string | null {
    name = toUsv(name);
    return this.#list.find(([n]) => n === name)?.[1] ?? null;
  }

  getAll(name: string): string[] {
    name = toUsv(name);
    return this.#list.filter(([n]) => n === name).map(([, v]) => v);
  }

  has(name: string, value?: string): boolean {
    name = toUsv(name);
    const v = value === undefined ? undefined : toUsv(value);
    return this.#list.some(([n, x]) => n === name && (v === undefined || x === v));
  }

  set(name: string, value: string): void {
    name = toUsv(name);
    value = toUsv(value);
    const first = this.#list.findIndex(([n]) => n === name);
    if (first < 0) this.#list.push([name, value]);
    else {
      this.#list[first] = [name, value];
      this.#list = this.#list.filter(([n], i) => i <= first || n !== name);
    }
    this.#changed();
  }

  /** Stable sort by name in UTF-16 code units. */
  sort(): void {
    this.#list = this.#list
      .map((pair, i) => ({ pair, i }))
      .sort((a, b) => (a.pair[0] < b.pair[0] ? -1 : a.pair[0] > b.pair[0] ? 1 : a.i - b.i))
      .map(({ pair }) => pair);
    this.#changed();
  }

  forEach(callback: (value: string, name: string, params: URLSearchParams) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.#list.length; i++) callback.call(thisArg, this.#list[i]![1], this.#list[i]![0], this);
  }

  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.#list.length; i++) yield [this.#list[i]![0], this.#list[i]![1]];
  }

  *keys(): IterableIterator<string> {
    for (const [n] of this.entries()) yield n;
  }

  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  toString(): string {
    return serializeFormUrlencoded(this.#list);
  }

  get [Symbol.toStringTag](): string {
    return 'URLSearchParams';
  }
}
