// The WHATWG URL parser against the web-platform-tests data
// (testdata/urltestdata.json and setters_tests.json, from WPT's url/resources
// as vendored by servo/rust-url; 3-clause BSD). Runs our URL, not Node's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { URL } from './url.ts';
import { URLSearchParams } from './url-search-params.ts';

type Parsed = Record<'href' | 'protocol' | 'username' | 'password' | 'host' | 'hostname' | 'port' | 'pathname' | 'search' | 'hash', string> & {
  origin?: string;
};
interface ParseCase extends Partial<Parsed> {
  input: string;
  base: string | null;
  failure?: boolean;
}

const data = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8'));
const parseCases = (data('urltestdata.json') as (string | ParseCase)[]).filter((c): c is ParseCase => typeof c === 'object');
const FIELDS = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'] as const;

function parseMismatch(c: ParseCase): string | null {
  let url: URL;
  try {
    url = c.base === null ? new URL(c.input) : new URL(c.input, c.base);
  } catch {
    return c.failure ? null : 'threw';
  }
  if (c.failure) return `parsed as ${url.href}`;
  for (const field of FIELDS) if (url[field] !== c[field]) return `${field}: ${JSON.stringify(url[field])} != ${JSON.stringify(c[field])}`;
  if (c.origin !== undefined && url.origin !== c.origin) return `origin: ${url.origin} != ${c.origin}`;
  return null;
}

describe('URL parsing (WPT urltestdata.json)', () => {
  it(`passes every one of the ${parseCases.length} parsing cases`, () => {
    const failures = parseCases.map((c) => ({ c, why: parseMismatch(c) })).filter((f) => f.why !== null);
    const lines = failures.map((f) => `${JSON.stringify(f.c.input)} (base ${JSON.stringify(f.c.base)}): ${f.why}`);
    console.log(`URL parsing: ${parseCases.length - failures.length}/${parseCases.length} WPT cases pass`);
    expect(lines).toEqual([]);
  });

  it('canParse and parse agree with the constructor', () => {
    for (const c of parseCases) {
      const ok = c.base === null ? URL.canParse(c.input) : URL.canParse(c.input, c.base);
      expect(ok, c.input).toBe(!c.failure);
      expect(URL.parse(c.input, c.base ?? undefined) === null, c.input).toBe(!!c.failure);
    }
  });
});

interface SetterCase {
  href: string;
  new_value: string;
  expected: Partial<Parsed>;
}

describe('URL setters (WPT setters_tests.json)', () => {
  const setters = data('setters_tests.json') as Record<string, SetterCase[] | string>;
  for (const [setter, cases] of Object.entries(setters)) {
    if (setter === 'comment' || typeof cases === 'string') continue;
    it(`${setter}: every case`, () => {
      const failures: string[] = [];
      for (const c of cases) {
        const url = new URL(c.href);
        (url as unknown as Record<string, string>)[setter] = c.new_value;
        for (const [field, want] of Object.entries(c.expected)) {
          const got = (url as unknown as Record<string, string>)[field];
          if (got !== want) failures.push(`${c.href} .${setter}=${JSON.stringify(c.new_value)}: ${field} ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
        }
      }
      expect(failures).toEqual([]);
    });
  }
});

describe('URLSearchParams', () => {
  it('parses, edits and serializes application/x-www-form-urlencoded', () => {
    const p = new URLSearchParams('?a=1&b=2+3&a=%E2%82%AC&&c');
    expect([...p]).toEqual([['a', '1'], ['b', '2 3'], ['a', '€'], ['c', '']]);
    expect(p.getAll('a')).toEqual(['1', '€']);
    p.set('a', 'x y');
    p.append('d', '~!*');
    expect(p.toString()).toBe('a=x+y&b=2+3&c=&d=%7E%21*');
    p.delete('b');
    p.sort();
    expect([...p.keys()]).toEqual(['a', 'c', 'd']);
    expect(new URLSearchParams({ k: 'v' }).toString()).toBe('k=v');
    expect(new URLSearchParams([['k', 'v']]).has('k', 'v')).toBe(true);
  });

  it('stays tied to its URL both ways', () => {
    const url = new URL('http://h/p?x=1#f');
    url.searchParams.append('y', '2');
    expect(url.href).toBe('http://h/p?x=1&y=2#f');
    url.search = '?z=3';
    expect(url.searchParams.get('z')).toBe('3');
    url.searchParams.delete('z');
    expect(url.href).toBe('http://h/p#f');
  });
});
