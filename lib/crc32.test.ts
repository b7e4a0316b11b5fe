/**
 * CRC-32 in JavaScript against the published check values and Node's zlib,
 * and the runtime's C routine (`__kiln.crc32`, what images use) against
 * both, run for real in a hosted image, on the same bytes: every length
 * from 0 to 70, longer ones, at every offset from a word boundary.
 */
import { buildSync } from 'esbuild';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { build, buildRuntime, hostedUnavailable, run } from '../runtime/test/hosted.ts';
import { crc32, crc32Hex, useCrc32 } from './crc32.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Deterministic bytes (xorshift32), the same in the test and in the image. */
const PATTERN = `
function pattern(length) {
  const out = new Uint8Array(length);
  let s = 0x9e3779b9;
  for (let i = 0; i < length; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; out[i] = s; }
  return out;
}
const LENGTHS = [...Array.from({ length: 71 }, (_, n) => n), 255, 256, 4097, 65535, 70001];
const OFFSETS = [0, 1, 2, 3, 4, 5, 6, 7];
`;
const { pattern, LENGTHS, OFFSETS } = new Function(`${PATTERN}; return { pattern, LENGTHS, OFFSETS };`)() as {
  pattern: (length: number) => Uint8Array;
  LENGTHS: number[];
  OFFSETS: number[];
};
const DATA = pattern(70_001 + 8);

describe('CRC-32 (JavaScript)', () => {
  afterEach(() => useCrc32());

  it('gives the published check values', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32Hex(crc32(ascii('123456789')))).toBe('0xcbf43926');
    expect(crc32Hex(crc32(ascii('a')))).toBe('0xe8b7be43');
    expect(crc32Hex(crc32(ascii('The quick brown fox jumps over the lazy dog')))).toBe('0x414fa339');
  });

  it('agrees with zlib at every length and offset', () => {
    for (const length of LENGTHS)
      for (const offset of OFFSETS) {
        const bytes = DATA.subarray(offset, offset + length);
        expect(crc32(bytes), `length ${length} at ${offset}`).toBe(zlibCrc32(bytes));
      }
  });

  it('continues across pieces as over the whole', () => {
    const all = DATA.subarray(0, 300);
    for (let cut = 0; cut <= all.length; cut++) expect(crc32(all.subarray(cut), crc32(all.subarray(0, cut)))).toBe(crc32(all));
  });

  it('changes with one flipped bit or two swapped bytes', () => {
    const bytes = DATA.slice(0, 1000);
    const good = crc32(bytes);
    bytes[500]! ^= 0x10;
    expect(crc32(bytes)).not.toBe(good);
    bytes[500]! ^= 0x10;
    [bytes[10], bytes[11]] = [bytes[11]!, bytes[10]!];
    expect(crc32(bytes)).not.toBe(good);
  });

  it('refuses a running CRC that is not a 32-bit unsigned integer', () => {
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) expect(() => crc32(DATA, bad)).toThrow(RangeError);
  });

  it('runs a platform routine in its place until told to go back', () => {
    useCrc32((bytes, crc) => bytes.length + crc);
    expect(crc32(new Uint8Array(5), 1)).toBe(6);
    useCrc32();
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
  });
});

const unavailable = hostedUnavailable();
if (unavailable) console.warn(`SKIPPED: CRC-32 in the runtime's C (hosted image): ${unavailable}`);

describe.skipIf(unavailable !== null)("CRC-32 in the runtime's C", () => {
  it('gives the same CRC as the JavaScript and zlib on the same bytes, and checks its arguments', () => {
    buildRuntime();
    // The image compares C and JavaScript itself and prints the C results
    // for the test to compare with zlib.
    const script = buildSync({
      stdin: {
        contents: `
          import { crc32 } from './crc32.ts';
          ${PATTERN}
          const data = pattern(70001 + 8);
          const native = [];
          let same = 0;
          for (const length of LENGTHS)
            for (const offset of OFFSETS) {
              const bytes = data.subarray(offset, offset + length);
              const c = __kiln.crc32(bytes, 0);
              native.push(c);
              if (c === crc32(bytes)) same++;
            }
          console.log(same, native.join(','));
          const head = data.subarray(0, 1000), tail = data.subarray(1000, 5000);
          console.log(__kiln.crc32(tail, __kiln.crc32(head)) === crc32(data.subarray(0, 5000)));
          const view = new DataView(data.buffer, 3, 77);
          console.log(__kiln.crc32(view) === crc32(data.subarray(3, 80)), __kiln.crc32(data.buffer.slice(0, 9)) === crc32(data.subarray(0, 9)));
          for (const args of [[data, -1], [data, 2 ** 32], [data, 0.5], [data, NaN], [42], []]) {
            try { console.log(__kiln.crc32(...args)); } catch (e) { console.log(e.code ?? e.name); }
          }
        `,
        resolveDir: import.meta.dirname,
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      target: 'es2020',
      write: false,
      logLevel: 'warning',
    }).outputFiles[0]!.text;
    const r = run(build('crc32', script, { dir: 'crc32' }));
    expect(r.status, r.stderr).toBe(0);
    const [first, ...rest] = r.stdout.trimEnd().split('\n');
    const [same, list] = first!.split(' ');
    const expected = LENGTHS.flatMap((length) => OFFSETS.map((offset) => zlibCrc32(DATA.subarray(offset, offset + length))));
    expect(list!.split(',').map(Number)).toEqual(expected);
    expect(Number(same)).toBe(expected.length);
    expect(rest).toEqual(['true', 'true true', 'ERANGE', 'ERANGE', 'ERANGE', 'ERANGE', 'TypeError', 'TypeError']);
  }, 300_000);
});
