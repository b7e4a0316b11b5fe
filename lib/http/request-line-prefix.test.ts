import { describe, expect, it } from 'vitest';
import { HttpError } from './errors.ts';
import { RequestLinePrefix } from './request-line-prefix.ts';
import { encodeLatin1 } from '../text/latin1.ts';

/** Feeds `line` one byte at a time; returns the error thrown, if any. */
function feedByBytes(line: string, complete: boolean): HttpError | null {
  const bytes = encodeLatin1(line)!;
  const prefix = new RequestLinePrefix();
  try {
    for (let end = 1; end <= bytes.length; end++) prefix.feed(bytes, 0, end);
    if (complete) prefix.finish();
    return null;
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
}

describe('RequestLinePrefix', () => {
  it('accepts every prefix of well-formed request lines', () => {
    for (const line of ['GET / HTTP/1.1', 'OPTIONS * HTTP/1.0', 'CONNECT a.b:443 HTTP/1.1', 'GET http://x/y?z HTTP/2.0', "M!#$%&'*+-.^_`|~9 /%41 HTTP/1.9"]) {
      for (let n = 1; n <= line.length; n++) expect(feedByBytes(line.slice(0, n), false), line.slice(0, n)).toBeNull();
      expect(feedByBytes(line, true), line).toBeNull();
      expect(feedByBytes(`${line}\r`, false), 'a CR waiting for its LF').toBeNull();
    }
  });

  it('rejects the first byte that cannot belong to a request line', () => {
    const cases: Array<[string, number]> = [
      ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', 1], // TLS ClientHello
      ['\x00\x00\x00\x00', 1],
      [' GET / HTTP/1.1', 1],
      ['GET  / HTTP/1.1', 5],
      ['GET\t/', 4],
      ['G(T / HTTP/1.1', 2],
      ['GET /\x01', 6],
      ['GET /\xe9', 6],
      ['GET / http/1.1', 7],
      ['GET / HTTP/x', 12],
      ['GET / HTTP/1.1 ', 15],
      ['GET / HTTP/1.10', 15],
    ];
    for (const [line, bad] of cases) {
      expect(feedByBytes(line.slice(0, bad - 1), false), `first ${bad - 1} bytes of ${JSON.stringify(line)}`).toBeNull();
      expect(feedByBytes(line.slice(0, bad), false)?.code, JSON.stringify(line)).toBe('bad-request');
    }
  });

  it('rejects a line that ends before its version is whole (HTTP/0.9 among them)', () => {
    for (const line of ['GET /', 'GET', 'GET / HTTP/1.', 'GET / HTTP/']) expect(feedByBytes(line, true)?.code, line).toBe('bad-request');
  });

  it('checks each byte once however the line is split', () => {
    const bytes = encodeLatin1('GET /abc HTTP/1.1')!;
    const prefix = new RequestLinePrefix();
    prefix.feed(bytes, 0, 5);
    prefix.feed(bytes, 0, 5); // nothing new: no state change
    prefix.feed(bytes, 0, bytes.length);
    expect(() => prefix.finish()).not.toThrow();
  });
});
