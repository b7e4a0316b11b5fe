/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash that is cheap and
 * unpredictable without the key, for initial sequence numbers (RFC 6528),
 * SYN cookies (RFC 4987) and timestamp offsets (RFC 7323 §5.4).
 *
 * JavaScript has no 64-bit integers outside BigInt (too slow per segment), so
 * each 64-bit lane is a pair of 32-bit halves kept in one Int32Array.
 */

/** Lane layout in the state array: v0..v3 as (hi, lo) pairs, then the message word. */
const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;
const M = 8;

export class SipHash {
  private readonly k = new Uint32Array(4); // k0 lo, k0 hi, k1 lo, k1 hi
  private readonly s = new Uint32Array(10);
  private readonly msg = new Uint8Array(64);
  private msgLength = 0;

  /** `key` is 16 bytes, read little-endian as two 64-bit words as in the reference. */
  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new RangeError('SipHash key must be 16 bytes');
    for (let i = 0; i < 4; i++) {
      this.k[i] = (key[4 * i]! | (key[4 * i + 1]! << 8) | (key[4 * i + 2]! << 16) | (key[4 * i + 3]! << 24)) >>> 0;
    }
  }

  /** Starts a new message. */
  reset(): this {
    this.msgLength = 0;
    return this;
  }

  /** Appends a 32-bit value (big-endian bytes) to the message. */
  u32(v: number): this {
    const i = this.msgLength;
    this.msg[i] = v >>> 24;
    this.msg[i + 1] = v >>> 16;
    this.msg[i + 2] = v >>> 8;
    this.msg[i + 3] = v;
    this.msgLength = i + 4;
    return this;
  }

  /** Appends a 16-bit value (big-endian bytes). */
  u16(v: number): this {
    this.msg[this.msgLength] = v >>> 8;
    this.msg[this.msgLength + 1] = v;
    this.msgLength += 2;
    return this;
  }

  /** Appends raw bytes (at most 64 per message). */
  bytes(data: Uint8Array): this {
    if (this.msgLength + data.length > this.msg.length) throw new RangeError('SipHash message too long');
    this.msg.set(data, this.msgLength);
    this.msgLength += data.length;
    return this;
  }

  /** The low 32 bits of the 64-bit hash of the message. */
  finishLow32(): number {
    this.run();
    return (this.s[V0 + 1]! ^ this.s[V1 + 1]! ^ this.s[V2 + 1]! ^ this.s[V3 + 1]!) >>> 0;
  }

  /** The high 32 bits of the 64-bit hash of the message (computed again: call only for tests). */
  finishHigh32(): number {
    this.run();
    return (this.s[V0]! ^ this.s[V1]! ^ this.s[V2]! ^ this.s[V3]!) >>> 0;
  }

  private run(): void {
    const s = this.s;
    const k = this.k;
    // "somepseudorandomlygeneratedbytes" constants, xored with the key.
    s[V0] = 0x736f6d65 ^ k[1]!;
    s[V0 + 1] = 0x70736575 ^ k[0]!;
    s[V1] = 0x646f7261 ^ k[3]!;
    s[V1 + 1] = 0x6e646f6d ^ k[2]!;
    s[V2] = 0x6c796765 ^ k[1]!;
    s[V2 + 1] = 0x6e657261 ^ k[0]!;
    s[V3] = 0x74656462 ^ k[3]!;
    s[V3 + 1] = 0x79746573 ^ k[2]!;
    const m = this.msg;
    const n = this.msgLength;
    const full = n - (n % 8);
    for (let i = 0; i < full; i += 8) {
      s[M + 1] = m[i]! | (m[i + 1]! << 8) | (m[i + 2]! << 16) | (m[i + 3]! << 24);
      s[M] = m[i + 4]! | (m[i + 5]! << 8) | (m[i + 6]! << 16) | (m[i + 7]! << 24);
      this.absorb();
    }
    // Last word: the remaining bytes, and the length modulo 256 in the top byte.
    let lo = 0;
    let hi = (n & 0xff) << 24;
    for (let i = full; i < n; i++) {
      const shift = (i - full) * 8;
      if (shift < 32) lo |= m[i]! << shift;
      else hi |= m[i]! << (shift - 32);
    }
    s[M] = hi;
    s[M + 1] = lo;
    this.absorb();
    s[V2 + 1] = s[V2 + 1]! ^ 0xff;
    for (let r = 0; r < 4; r++) this.round();
  }

  private absorb(): void {
    const s = this.s;
    s[V3] = s[V3]! ^ s[M]!;
    s[V3 + 1] = s[V3 + 1]! ^ s[M + 1]!;
    this.round();
    this.round();
    s[V0] = s[V0]! ^ s[M]!;
    s[V0 + 1] = s[V0 + 1]! ^ s[M + 1]!;
  }

  private round(): void {
    this.add(V0, V1);
    this.rotl(V1, 13);
    this.xor(V1, V0);
    this.rotl32(V0);
    this.add(V2, V3);
    this.rotl(V3, 16);
    this.xor(V3, V2);
    this.add(V0, V3);
    this.rotl(V3, 21);
    this.xor(V3, V0);
    this.add(V2, V1);
    this.rotl(V1, 17);
    this.xor(V1, V2);
    this.rotl32(V2);
  }

  /** a += b (64-bit). */
  private add(a: number, b: number): void {
    const s = this.s;
    const lo = s[a + 1]! + s[b + 1]!;
    s[a] = s[a]! + s[b]! + (lo > 0xffffffff ? 1 : 0);
    s[a + 1] = lo;
  }

  /** a ^= b (64-bit). */
  private xor(a: number, b: number): void {
    const s = this.s;
    s[a] = s[a]! ^ s[b]!;
    s[a + 1] = s[a + 1]! ^ s[b + 1]!;
  }

  /** Rotates lane a left by n bits, 0 < n < 32. */
  private rotl(a: number, n: number): void {
    const s = this.s;
    const hi = s[a]!;
    const lo = s[a + 1]!;
    s[a] = (hi << n) | (lo >>> (32 - n));
    s[a + 1] = (lo << n) | (hi >>> (32 - n));
  }

  /** Rotates lane a left by 32 bits: swaps the halves. */
  private rotl32(a: number): void {
    const s = this.s;
    const hi = s[a]!;
    s[a] = s[a + 1]!;
    s[a + 1] = hi;
  }
}
