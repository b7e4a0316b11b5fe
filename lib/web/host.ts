/**
 * Host parsing and serialization (WHATWG URL section 3): domains (through
 * IDNA), IPv4 in all its legacy forms, IPv6, and opaque hosts of non-special
 * URLs. A host is kept serialized: `example.com`, `10.0.0.1`, `[::1]`, or ''.
 */
import { domainToAscii } from './idna.ts';
import { c0ControlSet, percentDecode, percentEncode, utf8DecodeWithoutBom } from './percent-encode.ts';

const FORBIDDEN_HOST = new Set([0, 9, 0xa, 0xd, 0x20, 0x23, 0x2f, 0x3a, 0x3c, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x7c]);
const isForbiddenHost = (c: number) => FORBIDDEN_HOST.has(c);
export const isForbiddenDomain = (c: number) => isForbiddenHost(c) || c <= 0x1f || c === 0x25 || c === 0x7f;

/** The host parser; null is failure. */
export function parseHost(input: string, isOpaque: boolean): string | null {
  if (input.startsWith('[')) {
    if (!input.endsWith(']')) return null;
    const address = parseIpv6(input.slice(1, -1));
    return address ? `[${serializeIpv6(address)}]` : null;
  }
  if (isOpaque) {
    for (const ch of input) if (isForbiddenHost(ch.codePointAt(0)!)) return null;
    return percentEncode(input, c0ControlSet);
  }
  const domain = utf8DecodeWithoutBom(percentDecode(input));
  const ascii = domainToAscii(domain);
  if (ascii === null) return null;
  for (let i = 0; i < ascii.length; i++) if (isForbiddenDomain(ascii.charCodeAt(i))) return null;
  if (endsInANumber(ascii)) {
    const address = parseIpv4(ascii);
    return address === null ? null : serializeIpv4(address);
  }
  return ascii;
}

function endsInANumber(input: string): boolean {
  const parts = input.split('.');
  if (parts[parts.length - 1] === '') {
    if (parts.length === 1) return false;
    parts.pop();
  }
  const last = parts[parts.length - 1]!;
  if (last !== '' && /^[0-9]+$/.test(last)) return true;
  return parseIpv4Number(last) !== null;
}

function parseIpv4Number(input: string): number | null {
  if (input === '') return null;
  let radix = 10;
  if (/^0[xX]/.test(input)) {
    input = input.slice(2);
    radix = 16;
  } else if (input.length >= 2 && input[0] === '0') {
    input = input.slice(1);
    radix = 8;
  }
  if (input === '') return 0;
  const digits = radix === 10 ? /^[0-9]+$/ : radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
  if (!digits.test(input)) return null;
  // Numbers may be longer than 2^53; anything that large fails the range check anyway.
  return parseInt(input, radix);
}

function parseIpv4(input: string): number | null {
  const parts = input.split('.');
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
  if (parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIpv4Number(part);
    if (n === null) return null;
    numbers.push(n);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - numbers.length)) return null;
  return numbers.reduce((acc, n, i) => acc + n * 256 ** (3 - i), last);
}

function serializeIpv4(address: number): string {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    out.unshift(address % 256);
    address = Math.floor(address / 256);
  }
  return out.join('.');
}

const hexValue = (c: string | undefined) => (c !== undefined && /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

function parseIpv6(input: string): number[] | null {
  const address = [0, 0, 0, 0, 0, 0, 0, 0];
  let pieceIndex = 0;
  let compress: number | null = null;
  let p = 0;
  if (input[p] === ':') {
    if (input[p + 1] !== ':') return null;
    p += 2;
    compress = ++pieceIndex;
  }
  while (p < input.length) {
    if (pieceIndex === 8) return null;
    if (input[p] === ':') {
      if (compress !== null) return null;
      p++;
      compress = ++pieceIndex;
      continue;
    }
    let value = 0;
    let length = 0;
    while (length < 4 && hexValue(input[p]) >= 0) {
      value = value * 16 + hexValue(input[p]);
      p++;
      length++;
    }
    if (input[p] === '.') {
      if (length === 0) return null;
      p -= length;
      if (pieceIndex > 6) return null;
      let numbersSeen = 0;
      while (p < input.length) {
        let piece: number | null = null;
        if (numbersSeen > 0) {
          if (input[p] === '.' && numbersSeen < 4) p++;
          else return null;
        }
        if (!isDigit(input[p])) return null;
        while (isDigit(input[p])) {
          const n = Number(input[p]);
          if (piece === null) piece = n;
          else if (piece === 0) return null;
          else piece = piece * 10 + n;
          if (piece > 255) return null;
          p++;
        }
        address[pieceIndex] = address[pieceIndex]! * 0x100 + piece!;
        numbersSeen++;
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
      }
      if (numbersSeen !== 4) return null;
      break;
    } else if (input[p] === ':') {
      p++;
      if (p >= input.length) return null;
    } else if (p < input.length) return null;
    address[pieceIndex++] = value;
  }
  if (compress !== null) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex !== 0 && swaps > 0) {
      const other = compress + swaps - 1;
      [address[pieceIndex], address[other]] = [address[other]!, address[pieceIndex]!];
      pieceIndex--;
      swaps--;
    }
  } else if (pieceIndex !== 8) return null;
  return address;
}

/** RFC 5952 section 4: the first longest run of two or more zero pieces becomes `::`. */
function serializeIpv6(address: number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && address[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out += i === 0 ? '::' : ':';
      i += bestLength - 1;
      continue;
    }
    out += address[i]!.toString(16);
    if (i < 7) out += ':';
  }
  return out;
}
