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
  list.length = kept;
  if (!found) list.push([lower, value]);
}

function remove(list: [string, string][], lower: string): void {
  let kept = 0;
  for (let i = 0; i < list.length; i++) if (list[i]![0] !== lower) list[kept++] = list[i]!;
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
    if (init === undefined || init === null) return;
    if (typeof init !== 'object') throw new TypeError('Headers: init must be an object');
    if (init instanceof Headers) this[LIST] = init[LIST].map(([n, v]) => [n, v]);
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
    return Headers.valuesOf(this, 'set-cookie');
  }

  has(name: string): boolean {
    return contains(this[LIST], checkName(name));
  }


  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this) callback.call(thisArg, value, name, this);
  }

  /** Fetch's "sort and combine". */
  *entries(): IterableIterator<[string, string]> {
    const names = [...new Set(this[LIST].map(([n]) => n))].sort();
    for (const name of names) {
      if (name === 'set-cookie') for (const value of this.getSetCookie()) yield [name, value];
      else yield [name, joined(this[LIST], name)!];
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

  // lib/http's access. The name is a lower-case constant or was lowered by
  // the head parser, and a value set here is valid by construction.

  /** The fields as [lower-case name, value] pairs in arrival order, not copied: for writing a head. */
  static fieldsOf(headers: Headers): readonly (readonly [string, string])[] {
    return headers[LIST];
  }

  /** Every value of the field, in order, not joined. */
  static valuesOf(headers: Headers, lowerName: string): string[] {
    const list = headers[LIST];
    const out: string[] = [];
    for (let i = 0; i < list.length; i++) if (list[i]![0] === lowerName) out.push(list[i]![1]);
    return out;
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

  /** Appends a field parsed from the wire: already validated, name already lower case. */
  static appendParsed(headers: Headers, lowerName: string, value: string): void {
    headers[LIST].push([lowerName, value]);
  }
}

// Defaults on the prototype: an instance gets its own value only when it needs another.
Headers.prototype[IMMUTABLE] = false;
