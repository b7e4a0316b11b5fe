import { describe, expect, it } from 'vitest';
import { encodeQuery, normalizeName, parseMessage, TYPE_A } from './message.ts';
import { DnsError } from './errors.ts';

/** An answer built by hand, with a compression pointer to the question's name. */
function answer(id: number, flags: number, records: number[][]): Uint8Array {
  const header = [id >> 8, id & 255, flags >> 8, flags & 255, 0, 1, 0, records.length, 0, 0, 0, 0];
  const question = [7, ...'example'.split('').map((c) => c.charCodeAt(0)), 3, 0x63, 0x6f, 0x6d, 0, 0, 1, 0, 1];
  return new Uint8Array([...header, ...question, ...records.flat()]);
}
const A = (ttl: number, ip: number[]) => [0xc0, 12, 0, 1, 0, 1, ttl >>> 24, (ttl >> 16) & 255, (ttl >> 8) & 255, ttl & 255, 0, 4, ...ip];

describe('DNS messages', () => {
  it('normalizes names and rejects invalid ones', () => {
    expect(normalizeName('Example.COM.')).toBe('example.com');
    for (const bad of ['', '.', 'a..b', 'a b.com', `${'a'.repeat(64)}.com`, `${'a.'.repeat(127)}a`, 'é.com']) {
      expect(() => normalizeName(bad), bad).toThrow(DnsError);
    }
  });

  it('encodes a query with recursion desired', () => {
    const q = encodeQuery(0x1234, 'example.com', TYPE_A);
    expect([...q]).toEqual([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0, 0, 1, 0, 1]);
  });

  it('parses answers with compressed names', () => {
    const m = parseMessage(answer(7, 0x8180, [A(300, [10, 0, 0, 1]), A(0x80000000, [10, 0, 0, 2])]));
    expect(m).toMatchObject({ id: 7, response: true, truncated: false, rcode: 0 });
    expect(m.questions).toEqual([{ name: 'example.com', type: 1, class: 1 }]);
    expect(m.answers.map((r) => [r.name, r.data, r.ttl])).toEqual([
      ['example.com', '10.0.0.1', 300],
      ['example.com', '10.0.0.2', 0], // a TTL with the top bit set counts as 0
    ]);
  });

  it('reads only the header and question of a truncated answer', () => {
    const full = answer(7, 0x8380, [A(300, [10, 0, 0, 1])]);
    const m = parseMessage(full.subarray(0, full.length - 3));
    expect(m.truncated).toBe(true);
    expect(m.answers).toEqual([]);
  });

  it('rejects malformed messages without looping or reading past the end', () => {
    const cases: Array<[string, Uint8Array]> = [
      ['short header', new Uint8Array(11)],
      ['record cut short', answer(1, 0x8180, [A(1, [1, 2, 3, 4])]).subarray(0, 40)],
      ['pointer to itself', answer(1, 0x8180, [[0xc0, 29, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]])],
      ['pointer forwards', answer(1, 0x8180, [[0xc0, 40, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]])],
      ['A record of 5 bytes', answer(1, 0x8180, [[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 5, 1, 2, 3, 4, 5]])],
      ['reserved label type', answer(1, 0x8180, [[0x80, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]])],
      ['rdlength past the end', answer(1, 0x8180, [[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0xff, 0xff]])],
    ];
    for (const [what, bytes] of cases) {
      expect(() => parseMessage(bytes), what).toThrow(DnsError);
    }
  });
});
