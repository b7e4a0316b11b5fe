// Writes "newc" cpio archives, the format Linux unpacks as an initramfs.
// Several archives may be concatenated; the kernel unpacks them in turn.
// Parent directories are added automatically, once per archive.

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const HEADER_SIZE = 110;
const MAX_FIELD = 0xffffffff;

export class CpioWriter {
  private readonly chunks: Uint8Array[] = [];
  private readonly paths = new Set<string>();
  private size = 0;
  private nextInode = 1;

  directory(path: string, mode = 0o755): void {
    const name = normalise(path);
    if (name === '' || this.paths.has(name)) return;
    this.parents(name);
    this.entry(name, S_IFDIR | mode, new Uint8Array(0));
  }

  file(path: string, data: Uint8Array, mode = 0o644): void {
    const name = this.claim(path);
    this.entry(name, S_IFREG | (mode & 0o7777), data);
  }

  symlink(path: string, target: string): void {
    const name = this.claim(path);
    this.entry(name, S_IFLNK | 0o777, new TextEncoder().encode(target));
  }

  has(path: string): boolean {
    return this.paths.has(normalise(path));
  }

  /** Ends the archive with its trailer and returns the bytes. */
  finish(): Uint8Array {
    this.entry('TRAILER!!!', 0, new Uint8Array(0));
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  private claim(path: string): string {
    const name = normalise(path);
    if (name === '') throw new Error(`cpio: '${path}' names the root, not a file`);
    if (this.paths.has(name)) throw new Error(`cpio: '/${name}' is already in the archive`);
    this.parents(name);
    return name;
  }

  private parents(name: string): void {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) this.directory(parts.slice(0, i).join('/'));
  }

  private entry(name: string, mode: number, data: Uint8Array): void {
    if (data.length > MAX_FIELD) throw new Error(`cpio: '/${name}' is too large for a newc archive`);
    this.paths.add(name);
    const nameBytes = new TextEncoder().encode(`${name}\0`);
    const fields = [this.nextInode++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
    const header = new TextEncoder().encode(`070701${fields.map(hex8).join('')}`);
    this.push(header);
    this.push(nameBytes);
    this.pad(HEADER_SIZE + nameBytes.length);
    this.push(data);
    this.pad(data.length);
  }

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  /** Pads to the 4-byte boundary newc requires after a header+name and after data. */
  private pad(length: number): void {
    const rest = (4 - (length % 4)) % 4;
    if (rest > 0) this.push(new Uint8Array(rest));
  }
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** "/a//b/" -> "a/b"; rejects ".." so nothing lands outside the archive's root. */
function normalise(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new Error(`cpio: '${path}' contains '..'`);
  return parts.join('/');
}
