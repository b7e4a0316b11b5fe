/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash that is cheap and
 * unpredictable without the key, for initial sequence numbers (RFC 6528),
 * SYN cookies (RFC 4987) and timestamp offsets (RFC 7323 §5.4).
 *
 * JavaScript has no 64-bit integers outside BigInt (too slow per segment), so
 * each 64-bit lane is a pair of 32-bit halves, all in local variables of one
 * function: in QuickJS a typed-array access or a method call per operation
 * made a hash cost ~40 µs, a fifth of the whole SYN-to-SYN-ACK path.
 */

export class SipHash {
  private readonly k = new Uint32Array(4); // k0 lo, k0 hi, k1 lo, k1 hi
  /** The last hash, high and low halves. */
  private hashHi = 0;
  private hashLo = 0;
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
    return this.hashLo;
  }

  /** The high 32 bits of the 64-bit hash of the message (computed again: call only for tests). */
  finishHigh32(): number {
    this.run();
    return this.hashHi;
  }

  private run(): void {
    const k = this.k;
    // "somepseudorandomlygeneratedbytes" constants, xored with the key; lanes as (hi, lo) int32 pairs.
    let v0h = 0x736f6d65 ^ k[1]!;
    let v0l = 0x70736575 ^ k[0]!;
    let v1h = 0x646f7261 ^ k[3]!;
    let v1l = 0x6e646f6d ^ k[2]!;
    let v2h = 0x6c796765 ^ k[1]!;
    let v2l = 0x6e657261 ^ k[0]!;
    let v3h = 0x74656462 ^ k[3]!;
    let v3l = 0x79746573 ^ k[2]!;
    const m = this.msg;
    const n = this.msgLength;
    const full = n - (n % 8);
    // Each message word (the last holding the remaining bytes and the length) gets 2 rounds, then 4 finish.
    for (let i = 0; i <= full + 8; i += 8) {
      const finishing = i > full;
      let mh = 0;
      let ml = 0;
      if (i < full) {
        ml = m[i]! | (m[i + 1]! << 8) | (m[i + 2]! << 16) | (m[i + 3]! << 24);
        mh = m[i + 4]! | (m[i + 5]! << 8) | (m[i + 6]! << 16) | (m[i + 7]! << 24);
      } else if (!finishing) {
        mh = (n & 0xff) << 24;
        for (let j = full; j < n; j++) {
          const shift = (j - full) * 8;
          if (shift < 32) ml |= m[j]! << shift;
          else mh |= m[j]! << (shift - 32);
        }
      }
      if (finishing) v2l ^= 0xff;
      else {
        v3h ^= mh;
        v3l ^= ml;
      }
      for (let r = finishing ? 4 : 2; r > 0; r--) {
        let lo = (v0l >>> 0) + (v1l >>> 0); // v0 += v1
        v0h = (v0h + v1h + (lo > 0xffffffff ? 1 : 0)) | 0;
        v0l = lo | 0;
        let t = v1h; // v1 <<<= 13
        v1h = (v1h << 13) | (v1l >>> 19);
        v1l = (v1l << 13) | (t >>> 19);
        v1h ^= v0h;
        v1l ^= v0l;
        t = v0h; // v0 <<<= 32
        v0h = v0l;
        v0l = t;
        lo = (v2l >>> 0) + (v3l >>> 0); // v2 += v3
        v2h = (v2h + v3h + (lo > 0xffffffff ? 1 : 0)) | 0;
        v2l = lo | 0;
        t = v3h; // v3 <<<= 16
        v3h = (v3h << 16) | (v3l >>> 16);
        v3l = (v3l << 16) | (t >>> 16);
        v3h ^= v2h;
        v3l ^= v2l;
        lo = (v0l >>> 0) + (v3l >>> 0); // v0 += v3
        v0h = (v0h + v3h + (lo > 0xffffffff ? 1 : 0)) | 0;
        v0l = lo | 0;
        t = v3h; // v3 <<<= 21
        v3h = (v3h << 21) | (v3l >>> 11);
        v3l = (v3l << 21) | (t >>> 11);
        v3h ^= v0h;
        v3l ^= v0l;
        lo = (v2l >>> 0) + (v1l >>> 0); // v2 += v1
        v2h = (v2h + v1h + (lo > 0xffffffff ? 1 : 0)) | 0;
        v2l = lo | 0;
        t = v1h; // v1 <<<= 17
        v1h = (v1h << 17) | (v1l >>> 15);
        v1l = (v1l << 17) | (t >>> 15);
        v1h ^= v2h;
        v1l ^= v2l;
        t = v2h; // v2 <<<= 32
        v2h = v2l;
        v2l = t;
      }
      if (!finishing) {
        v0h ^= mh;
        v0l ^= ml;
      }
    }
    this.hashHi = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
    this.hashLo = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
  }
}
