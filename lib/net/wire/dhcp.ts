/** DHCP messages (RFC 2131 over the BOOTP layout of RFC 951; options from RFC 2132). */
import { readU32, writeU16, writeU32 } from './bytes.ts';
import { writeMac } from './ethernet.ts';
import { WireView } from './view.ts';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** Fixed BOOTP fields plus the magic cookie. */
export const DHCP_FIXED_LEN = 240;
const MAGIC_COOKIE = 0x63825363;
const FLAG_BROADCAST = 0x8000;

/** Message types (option 53). */
export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;

/** Option codes (RFC 2132). */
export const OPTION_PAD = 0;
export const OPTION_SUBNET_MASK = 1;
export const OPTION_ROUTER = 3;
export const OPTION_DNS_SERVERS = 6;
export const OPTION_REQUESTED_IP = 50;
export const OPTION_LEASE_TIME = 51;
export const OPTION_MESSAGE_TYPE = 53;
export const OPTION_SERVER_ID = 54;
export const OPTION_PARAMETER_LIST = 55;
export const OPTION_MAX_MESSAGE_SIZE = 57;
export const OPTION_RENEWAL_TIME = 58;
export const OPTION_REBINDING_TIME = 59;
export const OPTION_CLIENT_ID = 61;
export const OPTION_END = 255;

export type DhcpInvalid = 'truncated' | 'not-ethernet' | 'magic-cookie' | 'options';

/** A re-pointable view of one DHCP message; `wrap` checks the fixed part and walks the options once. */
export class DhcpView extends WireView {
  /** Length of the value found by the last successful `findOption`. */
  optionLength = 0;

  wrap(bytes: Uint8Array, start: number, end: number): DhcpInvalid | null {
    this.point(bytes, start, end);
    if (end - start < DHCP_FIXED_LEN) return 'truncated';
    if (bytes[start + 1] !== 1 || bytes[start + 2] !== 6) return 'not-ethernet';
    if (readU32(bytes, start + 236) !== MAGIC_COOKIE) return 'magic-cookie';
    // Every option must fit inside the message; a missing END is tolerated.
    let i = start + DHCP_FIXED_LEN;
    while (i < end) {
      const code = bytes[i]!;
      if (code === OPTION_END) return null;
      if (code === OPTION_PAD) {
        i++;
        continue;
      }
      if (i + 1 >= end) return 'options';
      i += 2 + bytes[i + 1]!;
      if (i > end) return 'options';
    }
    return null;
  }

  get op(): number {
    return this.bytes[this.start]!;
  }

  get transactionId(): number {
    return readU32(this.bytes, this.start + 4);
  }

  get clientAddress(): number {
    return readU32(this.bytes, this.start + 12);
  }

  get yourAddress(): number {
    return readU32(this.bytes, this.start + 16);
  }

  get clientMacOffset(): number {
    return this.start + 28;
  }

  /** Offset of option `code`'s value (its length in `optionLength`), or -1 when absent. */
  findOption(code: number): number {
    const b = this.bytes;
    let i = this.start + DHCP_FIXED_LEN;
    while (i < this.end) {
      const c = b[i]!;
      if (c === OPTION_END) break;
      if (c === OPTION_PAD) {
        i++;
        continue;
      }
      const len = b[i + 1]!;
      if (c === code) {
        this.optionLength = len;
        return i + 2;
      }
      i += 2 + len;
    }
    return -1;
  }

  /** Value of a one-byte option, or -1. */
  optionU8(code: number): number {
    const at = this.findOption(code);
    return at >= 0 && this.optionLength >= 1 ? this.bytes[at]! : -1;
  }

  /** Value of a four-byte option (an address or a time in seconds), or -1. */
  optionU32(code: number): number {
    const at = this.findOption(code);
    return at >= 0 && this.optionLength >= 4 ? readU32(this.bytes, at) : -1;
  }

  /**
   * The addresses of a list option such as DNS servers (RFC 2132 §3.8: a
   * non-zero multiple of four bytes): [] when absent, null when its length
   * breaks that rule.
   */
  optionAddresses(code: number): number[] | null {
    const at = this.findOption(code);
    if (at < 0) return [];
    const length = this.optionLength;
    if (length === 0 || length % 4 !== 0) return null;
    const out: number[] = [];
    for (let i = 0; i < length; i += 4) out.push(readU32(this.bytes, at + i));
    return out;
  }
}

/** Builds one DHCP message in a caller's buffer: `begin`, any `option*` calls, then `finish`. */
export class DhcpWriter {
  private cursor = 0;

  constructor(private readonly buf: Uint8Array) {}

  begin(op: number, transactionId: number, clientMac: Uint8Array, clientAddress: number, broadcast: boolean): void {
    this.buf.fill(0, 0, DHCP_FIXED_LEN);
    this.buf[0] = op;
    this.buf[1] = 1;
    this.buf[2] = 6;
    writeU32(this.buf, 4, transactionId);
    writeU16(this.buf, 10, broadcast ? FLAG_BROADCAST : 0);
    writeU32(this.buf, 12, clientAddress);
    writeMac(this.buf, 28, clientMac);
    writeU32(this.buf, 236, MAGIC_COOKIE);
    this.cursor = DHCP_FIXED_LEN;
  }

  option(code: number, value: Uint8Array): void {
    this.buf[this.cursor] = code;
    this.buf[this.cursor + 1] = value.length;
    this.buf.set(value, this.cursor + 2);
    this.cursor += 2 + value.length;
  }

  optionU8(code: number, value: number): void {
    this.buf[this.cursor] = code;
    this.buf[this.cursor + 1] = 1;
    this.buf[this.cursor + 2] = value;
    this.cursor += 3;
  }

  optionU16(code: number, value: number): void {
    this.buf[this.cursor] = code;
    this.buf[this.cursor + 1] = 2;
    writeU16(this.buf, this.cursor + 2, value);
    this.cursor += 4;
  }

  optionU32(code: number, value: number): void {
    this.buf[this.cursor] = code;
    this.buf[this.cursor + 1] = 4;
    writeU32(this.buf, this.cursor + 2, value);
    this.cursor += 6;
  }

  /** Ends the options, pads to the 300-byte BOOTP minimum some servers expect, returns the length. */
  finish(): number {
    this.buf[this.cursor++] = OPTION_END;
    const length = Math.max(this.cursor, 300);
    this.buf.fill(0, this.cursor, length);
    return length;
  }
}

