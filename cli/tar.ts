/**
 * A deterministic POSIX ustar writer (POSIX.1-2001, "pax interchange format"
 * without extended headers): the same entries give the same bytes, so OCI
 * layers and archives built from them have stable digests. Every entry gets
 * uid/gid 0, owner names "root", and mtime 0; entries are written in the
 * order given.
 */

export type TarEntry =
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'dir'; path: string; mode?: number };

const BLOCK = 512;

/** Splits a path into ustar's name (at most 100 bytes) and prefix (at most 155) at a '/'. */
function splitPath(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let cut = path.indexOf('/'); cut >= 0; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { name, prefix };
  }
  throw new RangeError(`tar: path too long for ustar: ${path}`);
}

/** An octal number field: digits, zero-padded, ending in NUL. */
function octal(header: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new RangeError(`tar: ${value} does not fit ${width - 1} octal digits`);
  header.write(digits.padStart(width - 1, '0'), offset, 'ascii');
  header[offset + width - 1] = 0;
}

function header(path: string, typeflag: '0' | '5', size: number, mode: number): Buffer {
  if (path === '' || path.startsWith('/') || path.split('/').includes('..')) throw new RangeError(`tar: bad entry path '${path}'`);
  const h = Buffer.alloc(BLOCK);
  const { name, prefix } = splitPath(path);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0); // mtime
  h.write(typeflag, 156, 'ascii');
  h.write('ustar\u000000', 257, 'ascii'); // magic "ustar\0", version "00"
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  // The checksum is summed with its own field as eight spaces, then written as six digits, NUL, space.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'ascii');
  return h;
}

export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const path = entry.kind === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
    if (seen.has(path)) throw new RangeError(`tar: '${path}' given twice`);
    seen.add(path);
    if (entry.kind === 'dir') {
      parts.push(header(path, '5', 0, entry.mode ?? 0o755));
      continue;
    }
    parts.push(header(path, '0', entry.data.length, entry.mode ?? 0o644), Buffer.from(entry.data));
    const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // end of archive: two zero blocks
  return Buffer.concat(parts);
}
