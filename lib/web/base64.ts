/** atob and btoa (HTML section 8.3) over "forgiving-base64" (Infra section 4.5). */
import { DOMException } from './dom-exception.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Encodes a string of code units 0-255 (each a byte); other code units are an InvalidCharacterError. */
export function btoa(data: string): string {
  data = String(data);
  let out = '';
  for (let i = 0; i < data.length; i += 3) {
    const bytes = [data.charCodeAt(i), data.charCodeAt(i + 1), data.charCodeAt(i + 2)];
    const count = Math.min(3, data.length - i);
    for (let j = 0; j < count; j++) {
      if (bytes[j]! > 0xff) throw new DOMException('btoa: the string contains characters outside of Latin1', 'InvalidCharacterError');
    }
    const n = (bytes[0]! << 16) | ((count > 1 ? bytes[1]! : 0) << 8) | (count > 2 ? bytes[2]! : 0);
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    out += count > 1 ? ALPHABET[(n >> 6) & 63]! : '=';
    out += count > 2 ? ALPHABET[n & 63]! : '=';
  }
  return out;
}

/** Decodes forgiving base64 (ASCII whitespace ignored, padding optional) to a string of byte code units. */
export function atob(data: string): string {
  let input = String(data).replace(/[\t\n\f\r ]/g, '');
  if (input.length % 4 === 0) input = input.replace(/==?$/, '');
  if (input.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(input)) {
    throw new DOMException('atob: the string is not correctly encoded', 'InvalidCharacterError');
  }
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const c of input) {
    buffer = (buffer << 6) | VALUE.get(c)!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}
