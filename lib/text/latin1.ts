/**
 * ISO-8859-1 (one byte, one code unit): how protocol heads such as HTTP's are
 * read and written, so every byte survives a round trip unchanged.
 */

/** One character per byte. */
export function decodeLatin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // A whole array (a head that came in one read) needs no view of it: a subarray is costly in QuickJS.
  if (start === 0 && end === bytes.length && end <= 8192) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let out = '';
  for (let i = start; i < end; i += 8192) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 8192)) as unknown as number[]);
  }
  return out;
}

/** One byte per character; null when a character is above U+00FF. */
export function encodeLatin1(text: string): Uint8Array | null {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return null;
    out[i] = c;
  }
  return out;
}
