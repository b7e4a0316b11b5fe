import { describe, expect, it } from 'vitest';
import { TlsError } from './alert.ts';
import { CONTENT_APPLICATION_DATA, CONTENT_HANDSHAKE, plainRecord, RecordReader } from './record.ts';

/** Three records of different sizes, back to back. */
const records = [plainRecord(CONTENT_HANDSHAKE, fill(3, 1)), plainRecord(CONTENT_APPLICATION_DATA, fill(300, 2)), plainRecord(CONTENT_HANDSHAKE, fill(1, 3))];
const stream = Uint8Array.from(records.flatMap((r) => [...r]));

function fill(n: number, v: number): Uint8Array {
  return new Uint8Array(n).fill(v);
}

/** Pushes `stream` in pieces of `size` bytes, each new memory, and takes every record; bodies are read only after the last push. */
function split(size: number): { type: number; body: number[] }[] {
  const reader = new RecordReader();
  const taken: { type: number; body: Uint8Array }[] = [];
  for (let at = 0; at < stream.length; at += size) {
    reader.push(stream.slice(at, at + size));
    for (let r = reader.next(); r; r = reader.next()) taken.push({ type: r.type, body: r.body });
  }
  expect(reader.buffered).toBe(0);
  return taken.map(({ type, body }) => ({ type, body: [...body] }));
}

describe('RecordReader', () => {
  const expected = [
    { type: CONTENT_HANDSHAKE, body: [...fill(3, 1)] },
    { type: CONTENT_APPLICATION_DATA, body: [...fill(300, 2)] },
    { type: CONTENT_HANDSHAKE, body: [...fill(1, 3)] },
  ];

  it('gives the same records however the bytes are split, each body still intact after later pushes', () => {
    for (const size of [1, 2, 4, 5, 6, 7, 300, 305, stream.length]) expect(split(size)).toEqual(expected);
  });

  it('keeps what was not taken when the caller stops early', () => {
    const reader = new RecordReader();
    reader.push(Uint8Array.from(stream));
    expect(reader.next()!.type).toBe(CONTENT_HANDSHAKE);
    reader.push(new Uint8Array(0));
    expect([...reader.next()!.body]).toEqual(expected[1]!.body);
    expect([...reader.next()!.body]).toEqual(expected[2]!.body);
    expect(reader.next()).toBeNull();
  });

  it('refuses a bad header whether it arrives whole or split', () => {
    const bad = Uint8Array.of(CONTENT_HANDSHAKE, 3, 3, 0x48, 0x01);
    const whole = new RecordReader();
    whole.push(bad);
    expect(() => whole.next()).toThrow(TlsError);
    const split = new RecordReader();
    split.push(bad.subarray(0, 2));
    expect(split.next()).toBeNull();
    split.push(bad.subarray(2));
    expect(() => split.next()).toThrow(/record of 18433 bytes/);
  });
});
