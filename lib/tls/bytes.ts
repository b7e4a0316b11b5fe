/**
 * Reading and writing the TLS presentation language (RFC 8446 section 3):
 * big-endian integers and length-prefixed vectors. Every read is checked
 * against the buffer; a short or over-long field is a `decode_error`.
 */
import { fail } from './alert.ts';

export class Reader {
  private at = 0;

  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.at;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }

  u16(): number {
    this.need(2);
    const v = (this.buf[this.at]! << 8) | this.buf[this.at + 1]!;
    this.at += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = (this.buf[this.at]! << 16) | (this.buf[this.at + 1]! << 8) | this.buf[this.at + 2]!;
    this.at += 3;
    return v;
  }

  u32(): number {
    return this.u16() * 0x10000 + this.u16();
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  /** A vector with a length prefix of `lengthBytes` bytes, between `min` and `max` bytes long. */
  vector(lengthBytes: 1 | 2 | 3, min = 0, max = Infinity): Uint8Array {
    const n = lengthBytes === 1 ? this.u8() : lengthBytes === 2 ? this.u16() : this.u24();
    if (n < min || n > max) throw fail('decode_error', `vector length ${n} outside ${min}..${max}`);
    return this.bytes(n);
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** The message must be consumed exactly. */
  end(): void {
    if (this.remaining !== 0) throw fail('decode_error', `${this.remaining} trailing bytes`);
  }

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw fail('decode_error', 'message truncated');
  }
}

/** Builds a message from parts; nested vectors are written with `vector`. */
export class Writer {
  private parts: Uint8Array[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  u8(v: number): this {
    return this.bytes(Uint8Array.of(v));
  }

  u16(v: number): this {
    return this.bytes(Uint8Array.of(v >>> 8, v & 0xff));
  }

  u24(v: number): this {
    return this.bytes(Uint8Array.of(v >>> 16, (v >>> 8) & 0xff, v & 0xff));
  }

  u32(v: number): this {
    return this.bytes(Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
  }

  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  /** A vector with a `lengthBytes`-byte length prefix, its body written by `body`. */
  vector(lengthBytes: 1 | 2 | 3, body: (w: Writer) => void): this {
    const inner = new Writer();
    body(inner);
    const n = inner.length;
    if (n >= 2 ** (8 * lengthBytes)) throw new RangeError(`vector of ${n} bytes does not fit a ${lengthBytes}-byte length`);
    if (lengthBytes === 1) this.u8(n);
    else if (lengthBytes === 2) this.u16(n);
    else this.u24(n);
    for (const p of inner.parts) this.bytes(p);
    return this;
  }

  finish(): Uint8Array {
    return concatBytes(this.parts);
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const ASCII = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
export { ASCII as asciiBytes };
