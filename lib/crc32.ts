/**
 * CRC-32, the checksum of zlib, gzip, PNG and Ethernet (ISO-HDLC: reflected
 * polynomial 0xEDB88320, initial value and final XOR all ones), for checking
 * that a stream or a stored record arrived whole and unchanged: it catches
 * every error burst up to 32 bits long and any reordering of the data. It is
 * not a defence against someone who alters the data on purpose.
 *
 * Computed in JavaScript by default; images install the runtime's C
 * routine (`__kiln.crc32`, the same function) with `useCrc32`, because
 * interpreted JavaScript is too slow for a byte loop over gigabytes.
 */

/** Continues `crc`, the CRC-32 of the bytes before (0 for none), over `bytes`: the CRC-32 of the whole. */
export type Crc32 = (bytes: Uint8Array, crc: number) => number;

/**
 * Slicing by eight, as the runtime's C does: entry 256 * k + b is the CRC of
 * byte b followed by k zero bytes, so eight bytes cost eight independent
 * lookups (about 3x the byte-at-a-time loop on V8). Built at first use:
 * images never use it.
 */
let table: Int32Array | undefined;

function buildTable(): Int32Array {
  const t = new Int32Array(256 * 8);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let bit = 0; bit < 8; bit++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    t[b] = c;
  }
  for (let i = 256; i < t.length; i++) t[i] = (t[i - 256]! >>> 8) ^ t[t[i - 256]! & 0xff]!;
  return t;
}

function crc32InJs(bytes: Uint8Array, crc: number): number {
  const t = (table ??= buildTable());
  let c = ~crc;
  let i = 0;
  for (; i + 8 <= bytes.length; i += 8) {
    const lo = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c = t[1792 + (lo & 0xff)]! ^ t[1536 + ((lo >>> 8) & 0xff)]! ^ t[1280 + ((lo >>> 16) & 0xff)]! ^ t[1024 + (lo >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^ t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

let crc32Impl: Crc32 = crc32InJs;

/**
 * The CRC-32 of `bytes`, or, given the CRC of what came before, of the
 * whole stream so far: `crc = crc32(piece, crc)` for each piece in turn.
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!Number.isInteger(crc) || crc < 0 || crc > 0xffffffff) throw new RangeError(`crc32: crc must be an integer from 0 to 0xffffffff, got ${crc}`);
  return crc32Impl(bytes, crc);
}

/**
 * Replaces the JavaScript loop with a platform's routine computing the
 * same function; with no argument, goes back to the JavaScript loop.
 */
export function useCrc32(impl: Crc32 = crc32InJs): void {
  crc32Impl = impl;
}

/** A CRC as it is usually written: `0x` and eight hex digits. */
export function crc32Hex(crc: number): string {
  return `0x${crc.toString(16).padStart(8, '0')}`;
}
