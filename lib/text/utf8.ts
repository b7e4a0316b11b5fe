/**
 * UTF-8 encoding and decoding over plain Uint8Array. Code in `lib/` also runs
 * inside QuickJS images, where TextEncoder/TextDecoder may not exist.
 *
 * Follows the WHATWG Encoding Standard's rules: a lone surrogate encodes as
 * U+FFFD, and each maximal invalid subsequence decodes as one U+FFFD.
 */

const REPLACEMENT = 0xfffd;

/** Number of bytes `text` takes in UTF-8. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * The platform's encoder where there is one (Node.js, Kiln's runtime): native
 * code, where the loop below is interpreted per character in QuickJS. The
 * WHATWG rules are the same (a lone surrogate becomes U+FFFD).
 */
const nativeEncoder: { encode(text: string): Uint8Array } | null = typeof TextEncoder === 'function' ? new TextEncoder() : null;

/** Encodes `text` as UTF-8. */
export function encodeUtf8(text: string): Uint8Array {
  return nativeEncoder !== null ? nativeEncoder.encode(text) : encodeInJs(text);
}

function encodeInJs(text: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[o++] = c;
      continue;
    }
    if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && isLowSurrogate(next)) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[o++] = 0xf0 | (c >> 18);
        out[o++] = 0x80 | ((c >> 12) & 0x3f);
        out[o++] = 0x80 | ((c >> 6) & 0x3f);
        out[o++] = 0x80 | (c & 0x3f);
        continue;
      }
      c = REPLACEMENT;
    }
    out[o++] = 0xe0 | (c >> 12);
    out[o++] = 0x80 | ((c >> 6) & 0x3f);
    out[o++] = 0x80 | (c & 0x3f);
  }
  return out;
}

export class Utf8Error extends Error {}

/**
 * Decodes UTF-8. Invalid input becomes U+FFFD, or throws `Utf8Error` when
 * `fatal` is set (for JSON bodies, where silent replacement would hide a bug).
 * A leading byte order mark is kept, as in the bytes.
 */
export function decodeUtf8(bytes: Uint8Array, fatal = false): string {
  const units: number[] = [];
  let out = '';
  const flush = (): void => {
    out += String.fromCharCode.apply(null, units);
    units.length = 0;
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let cp: number;
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b < 0x80) {
      cp = b;
      need = 0;
    } else if (b >= 0xc2 && b <= 0xdf) {
      cp = b & 0x1f;
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      cp = b & 0x0f;
      need = 2;
      if (b === 0xe0) lower = 0xa0; // overlong
      if (b === 0xed) upper = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      cp = b & 0x07;
      need = 3;
      if (b === 0xf0) lower = 0x90; // overlong
      if (b === 0xf4) upper = 0x8f; // above U+10FFFF
    } else {
      cp = -1;
      need = 0;
    }
    i++;
    for (let k = 0; k < need && cp >= 0; k++) {
      const c = i < bytes.length ? bytes[i]! : -1;
      if (c < lower || c > upper) {
        cp = -1; // the offending byte starts the next sequence
        break;
      }
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (c & 0x3f);
      i++;
    }
    if (cp < 0) {
      if (fatal) throw new Utf8Error(`invalid UTF-8 before byte ${i}`);
      cp = REPLACEMENT;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else units.push(cp);
    if (units.length >= 8192) flush();
  }
  flush();
  return out;
}

// The platform's decoder where there is one (faster); lib/web's bodies also
// run where the engine alone has none (the strict-parsing suite in bare QuickJS).
const platformDecoder: { decode(bytes: Uint8Array): string } | null = typeof TextDecoder === 'function' ? new TextDecoder() : null;

/** The Encoding Standard's "UTF-8 decode": a leading BOM dropped, invalid sequences replaced (what body.text() and blob.text() give). */
export function decodeUtf8Text(bytes: Uint8Array): string {
  if (platformDecoder !== null) return platformDecoder.decode(bytes);
  const text = decodeUtf8(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
