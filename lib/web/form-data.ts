/**
 * FormData (XMLHttpRequest Standard section 3): an ordered list of named
 * entries, each a string or a File (a Blob appended becomes a File named
 * "blob" unless a filename is given).
 */
import { Blob, File } from './blob.ts';

export type FormDataEntryValue = string | File;

function entryValue(value: string | Blob, filename: string | undefined): FormDataEntryValue {
  if (!(value instanceof Blob)) return String(value);
  if (value instanceof File && filename === undefined) return value;
  const name = filename ?? (value instanceof File ? value.name : 'blob');
  return new File([value], name, { type: value.type, lastModified: value instanceof File ? value.lastModified : undefined });
}

export class FormData implements Iterable<[string, FormDataEntryValue]> {
  #entries: [string, FormDataEntryValue][] = [];

  constructor(form?: undefined) {
    if (form !== undefined) throw new TypeError('FormData: there are no HTML forms to read here');
  }

  append(name: string, value: string | Blob, filename?: string): void {
    this.#entries.push([String(name), entryValue(value, filename)]);
  }

  set(name: string, value: string | Blob, filename?: string): void {
    const key = String(name);
    const entry: [string, FormDataEntryValue] = [key, entryValue(value, filename)];
    const first = this.#entries.findIndex(([n]) => n === key);
    if (first < 0) this.#entries.push(entry);
    else this.#entries = this.#entries.filter(([n], i) => n !== key || i === first).map((e, i) => (i === first ? entry : e));
  }

  delete(name: string): void {
    const key = String(name);
    this.#entries = this.#entries.filter(([n]) => n !== key);
  }

  get(name: string): FormDataEntryValue | null {
    const key = String(name);
    return this.#entries.find(([n]) => n === key)?.[1] ?? null;
  }

  getAll(name: string): FormDataEntryValue[] {
    const key = String(name);
    return this.#entries.filter(([n]) => n === key).map(([, v]) => v);
  }

  has(name: string): boolean {
    const key = String(name);
    return this.#entries.some(([n]) => n === key);
  }

  forEach(callback: (value: FormDataEntryValue, name: string, form: FormData) => void, thisArg?: unknown): void {
    for (const [name, value] of this) callback.call(thisArg, value, name, this);
  }

  *entries(): IterableIterator<[string, FormDataEntryValue]> {
    // Live, as the standard's iterator is: entries added during the loop are visited.
    for (let i = 0; i < this.#entries.length; i++) yield [this.#entries[i]![0], this.#entries[i]![1]];
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<FormDataEntryValue> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, FormDataEntryValue]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'FormData';
  }
}
