/**
 * Header fields, as the Web's `Headers`: names are case-insensitive (kept in
 * lower case), a name may repeat, `get` joins repeats with ", ". Every name
 * and value is checked when it is added, so nothing set here can split a
 * message on the wire.
 */
import { HttpError } from './errors.ts';
import { isFieldValue, isToken, trimOws } from './syntax.ts';

export type HeadersInit = KilnHeaders | Iterable<readonly [string, string]> | Record<string, string>;

export class KilnHeaders implements Iterable<[string, string]> {
  /** Fields in arrival order: [lower-case name, value]. */
  private fields: [string, string][] = [];

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    if (init instanceof KilnHeaders) {
      this.fields = init.fields.map(([n, v]) => [n, v]);
    } else if (Symbol.iterator in init) {
      for (const [name, value] of init as Iterable<readonly [string, string]>) this.append(name, value);
    } else {
      for (const [name, value] of Object.entries(init)) this.append(name, value);
    }
  }

  /** Adds a field, keeping those of the same name. */
  append(name: string, value: string): void {
    this.fields.push([checkName(name), checkValue(name, value)]);
  }

  /** Replaces every field of this name with one. */
  set(name: string, value: string): void {
    const lower = checkName(name);
    const checked = checkValue(name, value);
    this.removeAll(lower);
    this.fields.push([lower, checked]);
  }

  delete(name: string): void {
    this.removeAll(name.toLowerCase());
  }

  /** Calls `fn` with each field in order, without copying the list (the server's hot path). */
  forEach(fn: (value: string, name: string) => void): void {
    for (let i = 0; i < this.fields.length; i++) fn(this.fields[i]![1], this.fields[i]![0]);
  }

  private removeAll(lower: string): void {
    let kept = 0;
    for (let i = 0; i < this.fields.length; i++) if (this.fields[i]![0] !== lower) this.fields[kept++] = this.fields[i]!;
    this.fields.length = kept;
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    // Index loops here and below: iterator protocols are costly in QuickJS, and these run per request.
    for (let i = 0; i < this.fields.length; i++) if (this.fields[i]![0] === lower) return true;
    return false;
  }

  /** The field's values joined with ", ", or null when absent. */
  get(name: string): string | null {
    const all = this.getAll(name);
    return all.length === 0 ? null : all.join(', ');
  }

  /** Every value of the field, in order (use for Set-Cookie, which must not be joined). */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (let i = 0; i < this.fields.length; i++) {
      const field = this.fields[i]!;
      if (field[0] === lower) out.push(field[1]);
    }
    return out;
  }

  /** Number of fields, repeats counted. */
  get size(): number {
    return this.fields.length;
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.fields.map(([n, v]): [string, string] => [n, v])[Symbol.iterator]();
  }

  /** Appends a field parsed from the wire: already validated, name already lower case. */
  static appendParsed(headers: KilnHeaders, lowerName: string, value: string): void {
    headers.fields.push([lowerName, value]);
  }
}

/**
 * Names and values already found valid, so the same few set on every
 * response (content-type, content-length, date, connection) are checked
 * once, not per request: a check is a regex run, among the costliest steps
 * of a small response in QuickJS. Only valid strings go in, so a hit means
 * exactly what a fresh check would; bounded, emptied when full.
 */
const validNames = new Map<string, string>();
const validValues = new Set<string>();
const MEMO_ENTRIES = 512;
/** Longer values (cookies, one-off tokens) are checked each time rather than remembered. */
const MEMO_MAX_VALUE_CHARS = 128;

function checkName(name: string): string {
  const known = validNames.get(name);
  if (known !== undefined) return known;
  if (!isToken(name)) throw new HttpError('invalid-header', `invalid header name ${JSON.stringify(name)}`);
  const lower = name.toLowerCase();
  if (validNames.size >= MEMO_ENTRIES) validNames.clear();
  validNames.set(name, lower);
  return lower;
}

function checkValue(name: string, value: string): string {
  if (validValues.has(value)) return value;
  const trimmed = trimOws(String(value));
  if (!isFieldValue(trimmed)) {
    throw new HttpError('invalid-header', `invalid characters in the value of header '${name}'`);
  }
  // Remembered only when checking changed nothing: a hit must return the value as given.
  if (trimmed === value && value.length <= MEMO_MAX_VALUE_CHARS) {
    if (validValues.size >= MEMO_ENTRIES) validValues.clear();
    validValues.add(value);
  }
  return trimmed;
}
