/**
 * A DER reader (ITU-T X.690) for what certificates and keys hold. Every
 * length is checked against its enclosing element; anything malformed is a
 * `DerError`, which callers turn into the alert that fits.
 */
export class DerError extends Error {}

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

export interface DerElement {
  tag: number;
  /** The content octets. */
  content: Uint8Array;
  /** The whole element: tag, length and content. */
  raw: Uint8Array;
}

export class DerReader {
  private at = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  peekTag(): number | null {
    return this.done ? null : this.buf[this.at]!;
  }

  next(): DerElement {
    const start = this.at;
    if (this.at + 2 > this.buf.length) throw new DerError('truncated element');
    const tag = this.buf[this.at++]!;
    if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used here');
    let length = this.buf[this.at++]!;
    if (length & 0x80) {
      const n = length & 0x7f;
      if (n === 0 || n > 4) throw new DerError('indefinite or oversized length');
      length = 0;
      for (let i = 0; i < n; i++) {
        if (this.at >= this.buf.length) throw new DerError('truncated length');
        length = length * 256 + this.buf[this.at++]!;
      }
      if (length < 0x80) throw new DerError('non-minimal length');
    }
    if (this.at + length > this.buf.length) throw new DerError('element longer than its container');
    const content = this.buf.subarray(this.at, this.at + length);
    this.at += length;
    return { tag, content, raw: this.buf.subarray(start, this.at) };
  }

  /** The next element, which must have `tag`. */
  expect(tag: number): DerElement {
    const e = this.next();
    if (e.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, found 0x${e.tag.toString(16)}`);
    return e;
  }

  /** The next element if it has `tag`, else null (for OPTIONAL and DEFAULT fields). */
  optional(tag: number): DerElement | null {
    return this.peekTag() === tag ? this.next() : null;
  }

  end(): void {
    if (!this.done) throw new DerError('trailing data');
  }
}

/** Reads the single element that makes up `bytes`. */
export function derElement(bytes: Uint8Array): DerElement {
  const r = new DerReader(bytes);
  const e = r.next();
  r.end();
  return e;
}

export function children(e: DerElement): DerReader {
  return new DerReader(e.content);
}

/** Dotted form of an OBJECT IDENTIFIER. */
export function oidText(e: DerElement): string {
  if (e.tag !== TAG.oid || e.content.length === 0) throw new DerError('not an OID');
  const parts: number[] = [];
  let value = 0;
  for (const b of e.content) {
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if (!(b & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  if (e.content[e.content.length - 1]! & 0x80) throw new DerError('truncated OID');
  const first = parts.shift()!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** An unsigned INTEGER's magnitude, big-endian without leading zeros. */
export function unsignedInteger(e: DerElement): Uint8Array {
  if (e.tag !== TAG.integer || e.content.length === 0) throw new DerError('not an INTEGER');
  if (e.content[0]! & 0x80) throw new DerError('negative INTEGER');
  let i = 0;
  while (i < e.content.length - 1 && e.content[i] === 0) i++;
  return e.content.subarray(i);
}

export function smallInteger(e: DerElement): number {
  const v = unsignedInteger(e);
  if (v.length > 4) throw new DerError('INTEGER too large');
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** A BIT STRING's bytes; only whole bytes (no unused bits) unless `allowUnused`. */
export function bitString(e: DerElement, allowUnused = false): Uint8Array {
  if (e.tag !== TAG.bitString || e.content.length === 0) throw new DerError('not a BIT STRING');
  if (e.content[0] !== 0 && !allowUnused) throw new DerError('BIT STRING with unused bits');
  if (e.content[0]! > 7) throw new DerError('bad BIT STRING');
  return e.content.subarray(1);
}

/** UTCTime or GeneralizedTime (RFC 5280 section 4.1.2.5), in milliseconds since the epoch. */
export function time(e: DerElement): number {
  const s = String.fromCharCode(...e.content);
  const m =
    e.tag === TAG.utcTime
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
      : e.tag === TAG.generalizedTime
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
        : null;
  if (!m) throw new DerError(`bad time ${JSON.stringify(s)}`);
  let year = Number(m[1]);
  // RFC 5280: UTCTime years 50..99 are 19xx, 00..49 are 20xx.
  if (e.tag === TAG.utcTime) year += year < 50 ? 2000 : 1900;
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) throw new DerError('time out of range');
  return Date.UTC(year, mo - 1, d, h, mi, se);
}

export function text(e: DerElement): string {
  return String.fromCharCode(...e.content);
}
