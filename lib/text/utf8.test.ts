import { describe, expect, it } from 'vitest';
import { decodeUtf8, encodeUtf8, utf8Length, Utf8Error } from './utf8.ts';
import { decodeLatin1, encodeLatin1 } from './latin1.ts';

describe('UTF-8', () => {
  const samples = ['', 'hello', 'café', '€uro', '日本語', '😀 emoji 🎉', 'a\u0000b', '\u07ff\u0800\uffff', '\u{10ffff}'];

  it('encodes like the platform encoder', () => {
    const reference = new TextEncoder();
    for (const s of samples) {
      expect([...encodeUtf8(s)]).toEqual([...reference.encode(s)]);
      expect(utf8Length(s)).toBe(reference.encode(s).length);
    }
  });

  it('round-trips, and encodes lone surrogates as U+FFFD', () => {
    for (const s of samples) expect(decodeUtf8(encodeUtf8(s))).toBe(s);
    expect([...encodeUtf8('\ud800x')]).toEqual([0xef, 0xbf, 0xbd, 0x78]);
    expect([...encodeUtf8('x\udc00')]).toEqual([0x78, 0xef, 0xbf, 0xbd]);
  });

  it('decodes invalid input like the platform decoder (one U+FFFD per maximal invalid subsequence)', () => {
    const reference = new TextDecoder();
    const cases = [
      [0xc0, 0x80], // overlong
      [0xe0, 0x80, 0x80], // overlong
      [0xed, 0xa0, 0x80], // surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf0, 0x9f, 0x98], // truncated
      [0xe2, 0x82, 0x41], // truncated, then ASCII
      [0x80, 0xbf, 0xff, 0xfe],
      [0x61, 0xf0, 0x9f, 0x98, 0x80, 0x62],
    ];
    for (const bytes of cases) expect(decodeUtf8(new Uint8Array(bytes))).toBe(reference.decode(new Uint8Array(bytes)));
  });

  it('throws on invalid input when fatal', () => {
    expect(() => decodeUtf8(new Uint8Array([0x61, 0xff]), true)).toThrow(Utf8Error);
  });

  it('decodes long input', () => {
    const long = 'ab€😀'.repeat(10000);
    expect(decodeUtf8(encodeUtf8(long))).toBe(long);
  });
});

describe('Latin-1', () => {
  it('maps every byte to one character and back', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const text = decodeLatin1(all);
    expect(text.length).toBe(256);
    expect([...encodeLatin1(text)!]).toEqual([...all]);
    expect(encodeLatin1('€')).toBeNull();
  });
});
