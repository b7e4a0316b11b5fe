/**
 * DNS messages (RFC 1035 section 4): building an A query and parsing the
 * answer. Every read is checked against the message's length; compression
 * pointers must point backwards, so a hostile answer cannot loop the parser.
 */
import { DnsError } from './errors.ts';
import { formatIpv4 } from '../ipv4-text.ts';

export const TYPE_A = 1;
export const TYPE_CNAME = 5;
export const TYPE_SOA = 6;
export const CLASS_IN = 1;

export const RCODE_NOERROR = 0;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

const HEADER_BYTES = 12;
const MAX_NAME_BYTES = 255; // on the wire, RFC 1035 section 2.3.4
const MAX_LABEL_BYTES = 63;
const MAX_POINTERS = 64;

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export interface DnsRecord {
  name: string;
  type: number;
  class: number;
  /** Seconds; values with the top bit set count as 0 (RFC 2181 section 8). */
  ttl: number;
  /** A: dotted address; CNAME: the target name; SOA: the MINIMUM field as text; others: empty. */
  data: string;
}

export interface DnsMessage {
  id: number;
  /** QR: this is a response. */
  response: boolean;
  opcode: number;
  /** TC: the answer did not fit and was cut; ask again over TCP. */
  truncated: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authority: DnsRecord[];
}

/**
 * A host name in the form used for lookups and cache keys: lower case, no
 * trailing dot. Labels of letters, digits, hyphens and underscores, 1-63
 * bytes each, at most 253 bytes in all.
 */
export function normalizeName(name: string): string {
  const n = (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
  if (n.length === 0 || n.length > 253) throw new DnsError('invalid-name', `invalid host name ${JSON.stringify(name)}`);
  for (const label of n.split('.')) {
    if (label.length === 0 || label.length > MAX_LABEL_BYTES || !/^[a-z0-9_-]+$/.test(label)) {
      throw new DnsError('invalid-name', `invalid host name ${JSON.stringify(name)}`);
    }
  }
  return n;
}

/** A standard query with recursion desired, for a normalized name. */
export function encodeQuery(id: number, name: string, type: number): Uint8Array {
  const labels = name.split('.');
  const out = new Uint8Array(HEADER_BYTES + name.length + 2 + 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, id);
  view.setUint16(2, 0x0100); // RD
  view.setUint16(4, 1); // QDCOUNT
  let o = HEADER_BYTES;
  for (const label of labels) {
    out[o++] = label.length;
    for (let i = 0; i < label.length; i++) out[o++] = label.charCodeAt(i);
  }
  out[o++] = 0;
  view.setUint16(o, type);
  view.setUint16(o + 2, CLASS_IN);
  return out;
}

class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public offset: number,
  ) {}

  need(n: number): void {
    if (this.offset + n > this.bytes.length) throw malformed('the message ends early');
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const v = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return v;
  }

  u32(): number {
    return this.u16() * 65536 + this.u16();
  }
}

function malformed(why: string): DnsError {
  return new DnsError('malformed', `malformed DNS message: ${why}`);
}

/** Reads a possibly compressed name (RFC 1035 section 4.1.4), lower case, no trailing dot. */
function readName(c: Cursor): string {
  const labels: string[] = [];
  let wireLength = 1;
  let at = c.offset;
  let resume = -1; // where the cursor continues after the first pointer
  let pointers = 0;
  for (;;) {
    if (at >= c.bytes.length) throw malformed('a name runs past the end');
    const len = c.bytes[at]!;
    if (len === 0) {
      at += 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (at + 1 >= c.bytes.length) throw malformed('a name pointer runs past the end');
      const target = ((len & 0x3f) << 8) | c.bytes[at + 1]!;
      if (target >= at || ++pointers > MAX_POINTERS) throw malformed('a name pointer does not point backwards');
      if (resume < 0) resume = at + 2;
      at = target;
      continue;
    }
    if (kind !== 0) throw malformed('an unknown label type');
    if (at + 1 + len > c.bytes.length) throw malformed('a label runs past the end');
    wireLength += len + 1;
    if (wireLength > MAX_NAME_BYTES) throw malformed('a name longer than 255 bytes');
    let label = '';
    for (let i = 0; i < len; i++) label += String.fromCharCode(c.bytes[at + 1 + i]!);
    labels.push(label.toLowerCase());
    at += 1 + len;
  }
  c.offset = resume >= 0 ? resume : at;
  return labels.join('.');
}

function readRecord(c: Cursor): DnsRecord {
  const name = readName(c);
  const type = c.u16();
  const cls = c.u16();
  const rawTtl = c.u32();
  const length = c.u16();
  c.need(length);
  const end = c.offset + length;
  let data = '';
  if (cls === CLASS_IN && type === TYPE_A) {
    if (length !== 4) throw malformed('an A record whose data is not 4 bytes');
    data = formatIpv4(new DataView(c.bytes.buffer, c.bytes.byteOffset + c.offset, 4).getUint32(0));
  } else if (type === TYPE_CNAME) {
    data = readName(c);
    if (c.offset !== end) throw malformed('a CNAME whose data length is wrong');
  } else if (type === TYPE_SOA) {
    readName(c); // MNAME
    readName(c); // RNAME
    c.need(20);
    c.offset += 16; // SERIAL, REFRESH, RETRY, EXPIRE
    data = String(c.u32()); // MINIMUM: the negative-caching TTL (RFC 2308)
    if (c.offset !== end) throw malformed('an SOA whose data length is wrong');
  }
  c.offset = end;
  return { name, type, class: cls, ttl: rawTtl >= 0x80000000 ? 0 : rawTtl, data };
}

/** Parses a whole message; additional records are skipped unread. */
export function parseMessage(bytes: Uint8Array): DnsMessage {
  const c = new Cursor(bytes, 0);
  const id = c.u16();
  const flags = c.u16();
  const qd = c.u16();
  const an = c.u16();
  const ns = c.u16();
  c.u16(); // ARCOUNT
  const truncated = (flags & 0x0200) !== 0;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < qd; i++) questions.push({ name: readName(c), type: c.u16(), class: c.u16() });
  const answers: DnsRecord[] = [];
  const authority: DnsRecord[] = [];
  // A truncated message may stop inside a record: its records are not used, so not read.
  if (!truncated) {
    for (let i = 0; i < an; i++) answers.push(readRecord(c));
    for (let i = 0; i < ns; i++) authority.push(readRecord(c));
  }
  return { id, response: (flags & 0x8000) !== 0, opcode: (flags >> 11) & 0xf, truncated, rcode: flags & 0xf, questions, answers, authority };
}
