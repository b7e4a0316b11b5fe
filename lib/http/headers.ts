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

  /** Calls `fn` with each field in order, without copying the list. */
  forEach(fn: (value: string, name: string) => void): void {
    for (let i = 0; i < this.fields.length; i++) fn(this.fields[i]![1], this.fields[i]![0]);
  }

  /** The fields as [lower-case name, value] pairs, in order, not copied: for writing a head, the server's hot path (no call per field). */
  static fieldsOf(headers: KilnHeaders): readonly (readonly [string, string])[] {
    return headers.fields;
  }

  private removeAll(lower: string): void {
    let kept = 0;
    for (let i = 0; i < this.fields.length; i++) if (this.fields[i]![0] !== lower) this.fields[kept++] = this.fields[i]!;
    this.fields.length = kept;
  }

  has(name: string): boolean {
    return this.contains(name.toLowerCase());
  }

  private contains(lower: string): boolean {
    // Index loops here and below: iterator protocols are costly in QuickJS, and these run per request.
    for (let i = 0; i < this.fields.length; i++) if (this.fields[i]![0] === lower) return true;
    return false;
  }

  /** The field's values joined with ", ", or null when absent. */
  get(name: string): string | null {
    return this.joined(name.toLowerCase());
  }

  private joined(lower: string): string | null {
    let joined: string | null = null;
    for (let i = 0; i < this.fields.length; i++) {
      const field = this.fields[i]!;
      if (field[0] === lower) joined = joined === null ? field[1] : `${joined}, ${field[1]}`;
    }
    return joined;
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

  // The library's own fields (a server's Date, Connection, Content-Length, ...): the name is a
  // lower-case constant and the value valid by construction, so nothing is lowered or checked again.

  static getKnown(headers: KilnHeaders, lowerName: string): string | null {
    return headers.joined(lowerName);
  }

  static hasKnown(headers: KilnHeaders, lowerName: string): boolean {
    return headers.contains(lowerName);
  }

  static deleteKnown(headers: KilnHeaders, lowerName: string): void {
    headers.removeAll(lowerName);
  }

  static setKnown(headers: KilnHeaders, lowerName: string, value: string): void {
    headers.removeAll(lowerName);
    headers.fields.push([lowerName, value]);
  }

  /** Appends a field parsed from the wire: already validated, name already lower case. */
  static appendParsed(headers: KilnHeaders, lowerName: string, value: string): void {
    headers.fields.push([lowerName, value]);
  }
}

function checkName(name: string): string {
  if (!isToken(name)) throw new HttpError('invalid-header', `invalid header name ${JSON.stringify(name)}`);
  return name.toLowerCase();
}

function checkValue(name: string, value: string): string {
  const trimmed = trimOws(String(value));
  if (!isFieldValue(trimmed)) {
    throw new HttpError('invalid-header', `invalid characters in the value of header '${name}'`);
  }
  return trimmed;
}
