// Reads the few facts the harness needs from 64-bit little-endian ELF files
// (x86_64 and aarch64 alike): a kernel module's .modinfo fields, and a
// program's interpreter and needed shared libraries. Host tools (modinfo,
// ldd) cannot do this for another architecture, so it is done here.

const ELF_MAGIC = 0x464c457f; // "\x7fELF" read little-endian
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const PT_INTERP = 3;
const PT_DYNAMIC = 2;
const PT_LOAD = 1;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const SHT_NOBITS = 8; // .bss and the like: no bytes in the file

export class ElfError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'ElfError';
  }
}

interface Section {
  name: string;
  offset: number;
  size: number;
}

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  fileSize: number;
}

/** A parsed ELF64 LSB file held in memory; every offset is checked against its length. */
export class ElfFile {
  private readonly view: DataView;

  constructor(
    private readonly file: string,
    private readonly bytes: Uint8Array,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 64 || this.view.getUint32(0, true) !== ELF_MAGIC) this.fail('not an ELF file');
    if (bytes[4] !== ELFCLASS64 || bytes[5] !== ELFDATA2LSB) this.fail('not a 64-bit little-endian ELF file');
  }

  /** The machine field (62 = x86_64, 183 = aarch64). */
  get machine(): number {
    return this.view.getUint16(18, true);
  }

  /** The NUL-separated key=value strings of .modinfo, for key `key`. */
  modinfo(key: string): string[] {
    const section = this.sections().find((s) => s.name === '.modinfo');
    if (!section) this.fail('no .modinfo section: not a kernel module');
    const prefix = `${key}=`;
    return this.strings(section.offset, section.size)
      .filter((entry) => entry.startsWith(prefix))
      .map((entry) => entry.slice(prefix.length));
  }

  /** The program interpreter (PT_INTERP), or null for a static executable. */
  interpreter(): string | null {
    const interp = this.segments().find((s) => s.type === PT_INTERP);
    return interp ? this.cString(interp.offset, interp.offset + interp.fileSize) : null;
  }

  /** The DT_NEEDED sonames of a dynamically linked file, in order. */
  needed(): string[] {
    const dynamic = this.segments().find((s) => s.type === PT_DYNAMIC);
    if (!dynamic) return [];
    const entries: Array<[number, number]> = [];
    for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.fileSize; at += 16) {
      const tag = this.u64(at);
      if (tag === DT_NULL) break;
      entries.push([tag, this.u64(at + 8)]);
    }
    const strtab = entries.find(([tag]) => tag === DT_STRTAB);
    if (!strtab) this.fail('dynamic section without DT_STRTAB');
    const strtabOffset = this.fileOffsetOf(strtab[1]);
    return entries
      .filter(([tag]) => tag === DT_NEEDED)
      .map(([, nameOffset]) => this.cString(strtabOffset + nameOffset, this.bytes.length));
  }

  private sections(): Section[] {
    const shoff = this.u64(0x28);
    const shentsize = this.view.getUint16(0x3a, true);
    const shnum = this.view.getUint16(0x3c, true);
    const shstrndx = this.view.getUint16(0x3e, true);
    this.checkRange(shoff, shentsize * shnum, 'section header table');
    const raw = Array.from({ length: shnum }, (_, i) => {
      const at = shoff + i * shentsize;
      return {
        nameOffset: this.view.getUint32(at, true),
        type: this.view.getUint32(at + 4, true),
        offset: this.u64(at + 0x18),
        size: this.u64(at + 0x20),
      };
    });
    const names = raw[shstrndx];
    if (!names) this.fail('section name table index out of range');
    return raw.map((s) => {
      if (s.type !== SHT_NOBITS) this.checkRange(s.offset, s.size, 'section');
      return { name: this.cString(names.offset + s.nameOffset, names.offset + names.size), offset: s.offset, size: s.size };
    });
  }

  private segments(): Segment[] {
    const phoff = this.u64(0x20);
    const phentsize = this.view.getUint16(0x36, true);
    const phnum = this.view.getUint16(0x38, true);
    this.checkRange(phoff, phentsize * phnum, 'program header table');
    return Array.from({ length: phnum }, (_, i) => {
      const at = phoff + i * phentsize;
      const segment = {
        type: this.view.getUint32(at, true),
        offset: this.u64(at + 8),
        vaddr: this.u64(at + 0x10),
        fileSize: this.u64(at + 0x20),
      };
      this.checkRange(segment.offset, segment.fileSize, 'segment');
      return segment;
    });
  }

  /** Maps a virtual address to its file offset through the PT_LOAD segments. */
  private fileOffsetOf(vaddr: number): number {
    const load = this.segments().find((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.fileSize);
    if (!load) this.fail(`address 0x${vaddr.toString(16)} is in no loaded segment`);
    return load.offset + (vaddr - load.vaddr);
  }

  private strings(offset: number, size: number): string[] {
    return new TextDecoder()
      .decode(this.bytes.subarray(offset, offset + size))
      .split('\0')
      .filter((s) => s.length > 0);
  }

  private cString(start: number, limit: number): string {
    const end = this.bytes.indexOf(0, start);
    if (start >= limit || end < 0 || end >= limit) this.fail('string runs past its table');
    return new TextDecoder().decode(this.bytes.subarray(start, end));
  }

  private u64(at: number): number {
    this.checkRange(at, 8, 'field');
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`value at 0x${at.toString(16)} too large`);
    return Number(value);
  }

  private checkRange(offset: number, size: number, what: string): void {
    if (offset + size > this.bytes.length) this.fail(`${what} at 0x${offset.toString(16)} runs past the end of the file`);
  }

  private fail(reason: string): never {
    throw new ElfError(this.file, reason);
  }
}
