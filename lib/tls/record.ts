/**
 * The record layer (RFC 8446 section 5): framing of the byte stream into
 * records, and their protection with the current traffic key.
 */
import { fail } from './alert.ts';
import { concatBytes } from './bytes.ts';
import type { AeadKey } from './crypto-provider.ts';

export const CONTENT_CHANGE_CIPHER_SPEC = 20;
export const CONTENT_ALERT = 21;
export const CONTENT_HANDSHAKE = 22;
export const CONTENT_APPLICATION_DATA = 23;

/** Largest TLSPlaintext fragment (section 5.1). */
export const MAX_PLAINTEXT = 1 << 14;
/** Largest TLSCiphertext fragment (section 5.2). */
export const MAX_CIPHERTEXT = MAX_PLAINTEXT + 256;
const HEADER = 5;
const TAG = 16;

/** A record as the reader gives it: one object per reader, overwritten by its next record. */
export interface RawRecord {
  type: number;
  /** The fragment; a view into the reader's buffer or the pushed bytes, valid until the next `push`. */
  body: Uint8Array;
  /** The 5-byte header, the additional data of a protected record (a copy the reader reuses). */
  header: Uint8Array;
}

const NOTHING = new Uint8Array(0);

/**
 * Splits received bytes into records. The reader owns what is pushed (the
 * record layer decrypts in it): whole records are handed out as views of
 * the pushed bytes, with no copy; a record split across pushes is gathered
 * in memory of its own, allocated once its header is known, so every body
 * stays valid (and the reader's alone) after later pushes.
 */
export class RecordReader {
  /** The partial record: its header gathered so far while `held` < HEADER, then the whole record's own memory. */
  private partial = new Uint8Array(HEADER);
  private readonly headerBuffer = this.partial;
  private held = 0;
  /** The last pushed bytes and how far records were taken from them. */
  private data: Uint8Array = NOTHING;
  private at = 0;
  /** What `next` returns, refilled for every record: no objects or header views per record. */
  private readonly current: RawRecord = { type: 0, body: NOTHING, header: new Uint8Array(HEADER) };

  /** Adds received bytes, which become the reader's: records in them are decrypted where they lie. */
  push(data: Uint8Array): void {
    const rest = this.data.subarray(this.at);
    this.data = rest.length === 0 ? data : concatBytes([rest, data]);
    this.at = 0;
  }

  /** The next complete record (the reader's one RawRecord, refilled), or null until more bytes arrive. Throws `TlsError` on a bad header. */
  next(): RawRecord | null {
    if (this.held > 0) {
      // Complete the gathered record: its header first, then its body in memory of its own.
      if (this.held < HEADER) this.gather(Math.min(HEADER - this.held, this.data.length - this.at));
      if (this.held < HEADER) return null;
      if (this.partial === this.headerBuffer) {
        const whole = new Uint8Array(HEADER + checkedLength(this.headerBuffer, 0));
        whole.set(this.headerBuffer);
        this.partial = whole;
      }
      const whole = this.partial;
      this.gather(Math.min(whole.length - this.held, this.data.length - this.at));
      if (this.held < whole.length) return null;
      this.held = 0;
      this.partial = this.headerBuffer;
      return this.record(whole, 0, whole.length - HEADER);
    }
    const d = this.data;
    const s = this.at;
    if (d.length - s >= HEADER) {
      const length = checkedLength(d, s);
      if (d.length - s >= HEADER + length) {
        this.at = s + HEADER + length;
        return this.record(d, s, length);
      }
    }
    // A partial record: its header gathered first, then (once its length is known) the rest in memory of its own.
    this.gather(Math.min(HEADER, d.length - s));
    return this.held >= HEADER ? this.next() : null;
  }

  private record(b: Uint8Array, s: number, length: number): RawRecord {
    const r = this.current;
    r.type = b[s]!;
    for (let i = 0; i < HEADER; i++) r.header[i] = b[s + i]!;
    r.body = b.subarray(s + HEADER, s + HEADER + length);
    return r;
  }

  /** Copies the next `n` pushed bytes into the partial record. */
  private gather(n: number): void {
    if (n === 0) return;
    this.partial.set(this.data.subarray(this.at, this.at + n), this.held);
    this.held += n;
    this.at += n;
  }

  /** Bytes received but not yet returned as records. */
  get buffered(): number {
    return this.held + this.data.length - this.at;
  }
}

/** The length of the record whose header starts at `b[s]`, once its type, version and length are checked. */
function checkedLength(b: Uint8Array, s: number): number {
  const type = b[s]!;
  const length = (b[s + 3]! << 8) | b[s + 4]!;
  if (type < CONTENT_CHANGE_CIPHER_SPEC || type > CONTENT_APPLICATION_DATA) throw fail('unexpected_message', `record of unknown type ${type}`);
  // legacy_record_version is 0x03xx; anything else is not TLS (section 5.1).
  if (b[s + 1] !== 3) throw fail('decode_error', 'record version is not 3.x');
  if (length > MAX_CIPHERTEXT) throw fail('record_overflow', `record of ${length} bytes`);
  return length;
}

function writeHeader(out: Uint8Array, type: number, length: number): void {
  out[0] = type;
  out[1] = 3;
  out[2] = 3;
  out[3] = length >>> 8;
  out[4] = length & 0xff;
}

/** A record in the clear (before keys are set). */
export function plainRecord(type: number, fragment: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + fragment.length);
  writeHeader(out, type, fragment.length);
  out.set(fragment, HEADER);
  return out;
}

/** A record's inner type and content once opened. */
export interface OpenedRecord {
  type: number;
  content: Uint8Array;
}

/** Where a record's content starts in the buffer it is built in (after its header). */
export const CONTENT_OFFSET = HEADER;
/** Bytes of a buffer that can hold any protected record: header, content and padding, the type byte, the tag. */
export const RECORD_CAPACITY = HEADER + MAX_PLAINTEXT + 1 + TAG;

/**
 * One direction's protection: the AEAD, its static IV and the record
 * sequence number (section 5.3). A new instance for every key change.
 */
export class RecordProtection {
  private seq = 0;
  /** The per-record nonce, rebuilt in place for every record (the AEAD copies it). */
  private readonly nonceBuffer: Uint8Array;
  /** What `open` returns, refilled for every record. */
  private readonly opened: OpenedRecord = { type: 0, content: NOTHING };

  constructor(
    private readonly aead: AeadKey,
    private readonly iv: Uint8Array,
  ) {
    this.nonceBuffer = new Uint8Array(iv.length);
  }

  get sequence(): number {
    return this.seq;
  }

  private nonce(): Uint8Array {
    const n = this.nonceBuffer;
    n.set(this.iv);
    // The 64-bit sequence number, left-padded to the IV length, XORed in.
    let s = this.seq;
    for (let i = n.length - 1; i >= n.length - 8 && s > 0; i--) {
      n[i]! ^= s & 0xff;
      s = Math.floor(s / 256);
    }
    return n;
  }

  /** A TLSCiphertext record holding `content` of `type`, followed by `padding` zero bytes. */
  seal(type: number, content: Uint8Array, padding = 0): Uint8Array {
    const record = new Uint8Array(HEADER + content.length + 1 + padding + TAG);
    record.set(content, CONTENT_OFFSET);
    return this.sealBuilt(type, record, content.length, padding);
  }

  /**
   * Seals a record built in place: `record` holds `length` bytes of content
   * at CONTENT_OFFSET and room for the type byte, `padding` and the tag
   * after them. Returns the record's bytes, a view of `record`.
   */
  sealBuilt(type: number, record: Uint8Array, length: number, padding = 0): Uint8Array {
    const inner = length + 1 + padding;
    record[CONTENT_OFFSET + length] = type;
    record.fill(0, CONTENT_OFFSET + length + 1, CONTENT_OFFSET + inner);
    writeHeader(record, CONTENT_APPLICATION_DATA, inner + TAG);
    this.aead.sealInPlace(this.nonce(), record.subarray(0, HEADER), record.subarray(CONTENT_OFFSET), inner);
    this.seq++;
    return record.subarray(0, HEADER + inner + TAG);
  }

  /**
   * The inner type and content (one object, refilled for every record), or
   * null when the record does not authenticate. Decrypts in the record's own
   * bytes where the provider can: the content may be a view of them.
   */
  open(record: RawRecord): OpenedRecord | null {
    const inner = this.aead.openInPlace(this.nonce(), record.header, record.body);
    if (inner === null) return null;
    this.seq++;
    if (inner.length > MAX_PLAINTEXT + 1) throw fail('record_overflow', 'decrypted record too long');
    // The content type is the last non-zero byte; zeros after it are padding (section 5.4).
    let i = inner.length - 1;
    while (i >= 0 && inner[i] === 0) i--;
    if (i < 0) throw fail('unexpected_message', 'protected record without a content type');
    const opened = this.opened;
    opened.type = inner[i]!;
    // One plain view, also when the provider's memory is a Buffer (whose subarray would be a Buffer again).
    opened.content = new Uint8Array(inner.buffer, inner.byteOffset, i);
    return opened;
  }
}
