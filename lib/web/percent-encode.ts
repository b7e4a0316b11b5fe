/**
 * Percent-encoding (WHATWG URL section 1.3): the encode sets, UTF-8 percent
 * encoding of strings, and percent-decoding to bytes.
 */
import { decodeUtf8, encodeUtf8 } from '../text/utf8.ts';

export type EncodeSet = (codePoint: number) => boolean;

const inString = (chars: string) => {
  const set = new Set([...chars].map((c) => c.codePointAt(0)!));
  return (c: number) => set.has(c);
};

export const c0ControlSet: EncodeSet = (c) => c < 0x20 || c > 0x7e;
const fragmentExtra = inString(' "<>`');
export const fragmentSet: EncodeSet = (c) => c0ControlSet(c) || fragmentExtra(c);
const queryExtra = inString(' "#<>');
export const querySet: EncodeSet = (c) => c0ControlSet(c) || queryExtra(c);
export const specialQuerySet: EncodeSet = (c) => querySet(c) || c === 0x27;
const pathExtra = inString('?^`{}');
export const pathSet: EncodeSet = (c) => querySet(c) || pathExtra(c);
const userinfoExtra = inString('/:;=@[\\]|');
export const userinfoSet: EncodeSet = (c) => pathSet(c) || userinfoExtra(c);
const componentExtra = inString('$%&+,');
export const componentSet: EncodeSet = (c) => userinfoSet(c) || componentExtra(c);
const formExtra = inString("!'()~");
export const formUrlencodedSet: EncodeSet = (c) => componentSet(c) || formExtra(c);

const hex = (byte: number) => '%' + byte.toString(16).toUpperCase().padStart(2, '0');

/** UTF-8 percent-encodes each code point of `input` that is in `set` (lone surrogates become U+FFFD). */
export function percentEncode(input: string, set: EncodeSet, spaceAsPlus = false): string {
  let out = '';
  for (const ch of input) {
    const c = ch.codePointAt(0)!;
    if (spaceAsPlus && c === 0x20) out += '+';
    else if (!set(c)) out += ch;
    else for (const byte of encodeUtf8(ch)) out += hex(byte);
  }
  return out;
}

const isHexDigit = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** Percent-decodes the UTF-8 bytes of `input` (a `%` not followed by two hex digits stays). */
export function percentDecode(input: string): Uint8Array {
  const bytes = encodeUtf8(input);
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && i + 2 < bytes.length && isHexDigit(bytes[i + 1]!) && isHexDigit(bytes[i + 2]!)) {
      out[n++] = parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

// Native where the engine has one; lib/http (which uses this module through Request) also runs where it has not.
const decoder = typeof TextDecoder === 'function' ? new TextDecoder('utf-8', { ignoreBOM: true }) : null;
/** UTF-8 decode without BOM (a leading BOM is kept as U+FEFF), invalid sequences replaced. */
export const utf8DecodeWithoutBom = (bytes: Uint8Array): string => (decoder !== null ? decoder.decode(bytes) : decodeUtf8(bytes));
