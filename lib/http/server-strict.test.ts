import { describe, expect, it } from 'vitest';
import { KilnResponse } from './response.ts';
import { rawExchange, startTestServer, statuses } from './test-support.ts';

/**
 * Request smuggling vectors and malformed heads (RFC 9112): each must be
 * answered 400 (or the status named) with `Connection: close`, must never
 * reach the handler, and must end the connection even though a well-formed
 * request follows it on the wire.
 */
const FOLLOW_UP = 'GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n';

const VECTORS: Array<[string, string, number]> = [
  ['Content-Length and Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['Transfer-Encoding and Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n', 400],
  ['conflicting Content-Lengths', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 400],
  ['conflicting Content-Length list', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!', 400],
  ['signed Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello', 400],
  ['negative Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n', 400],
  ['hex Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello', 400],
  ['Content-Length with inner space', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n', 400],
  ['huge Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n', 400],
  ['final coding not chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n', 400],
  ['identity coding', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n', 400],
  ['chunked twice', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n', 400],
  ['chunked split over two fields, then identity', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n', 400],
  ['misspelt chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n', 400],
  ['empty Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n', 400],
  ['unsupported coding', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501],
  ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['non-hex chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 400],
  ['negative chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nhello\r\n0\r\n\r\n', 400],
  ['0x chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n', 400],
  ['space before chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n', 400],
  ['space after chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n', 400],
  ['overflowing chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n', 400],
  ['chunk longer than its size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n', 400],
  ['chunk size line with bare LF', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n', 400],
  ['invalid chunk extension', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a b\r\nhello\r\n0\r\n\r\n', 400],
  ['trailer with obs-fold', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n', 400],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX-Foo: a\r\n b\r\n\r\n', 400],
  ['obs-fold with tab', 'GET / HTTP/1.1\r\nHost: a\r\nX-Foo: a\r\n\tb\r\n\r\n', 400],
  ['space in a header name', 'GET / HTTP/1.1\r\nHost: a\r\nX Foo: a\r\n\r\n', 400],
  ['space before the colon', 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n', 400],
  ['tab before the colon', 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length\t: 5\r\n\r\nhello', 400],
  ['NUL in a header name', 'GET / HTTP/1.1\r\nHost: a\r\nX\x00Y: a\r\n\r\n', 400],
  ['empty header name', 'GET / HTTP/1.1\r\nHost: a\r\n: a\r\n\r\n', 400],
  ['header line without a colon', 'GET / HTTP/1.1\r\nHost: a\r\nX-Foo\r\n\r\n', 400],
  ['NUL in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX-Foo: a\x00b\r\n\r\n', 400],
  ['DEL in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX-Foo: a\x7fb\r\n\r\n', 400],
  ['bare CR in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX-Foo: a\rb\r\n\r\n', 400],
  ['bare LF line endings', 'GET / HTTP/1.1\nHost: a\n\n', 400],
  ['bare LF inside the head', 'GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n', 400],
  ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 400],
  ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
  ['invalid Host', 'GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n', 400],
  ['double space in the request line', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['tab in the request line', 'GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['lower-case version', 'GET / http/1.1\r\nHost: a\r\n\r\n', 400],
  ['missing version', 'GET /\r\nHost: a\r\n\r\n', 400],
  ['control character in the target', 'GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['non-ASCII in the target', 'GET /\xe9 HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['target not starting with a slash', 'GET foo HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['invalid method', 'G(T / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['HTTP/2.0 request line', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
  ['unsupported expectation', 'GET / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n', 417],
];

describe('strict parsing: smuggling vectors and malformed requests', () => {
  for (const [name, raw, status] of VECTORS) {
    it(`${name} → ${status} and close`, async () => {
      const seen: string[] = [];
      const { listener, server } = startTestServer(async (req) => {
        seen.push(req.pathname);
        await req.bytes();
        return new KilnResponse('ok');
      });
      const wire = await rawExchange(listener, raw + FOLLOW_UP);
      expect(statuses(wire)).toEqual([status]);
      expect(wire).toMatch(/\r\nConnection: close\r\n/);
      expect(seen).not.toContain('/smuggled');
      if (status !== 400 || !/chunk|trailer/.test(name)) expect(seen).toEqual([]);
      await server.shutdown();
    });
  }
});

describe('strict parsing: what is allowed', () => {
  it('answers a request that follows empty lines', async () => {
    const { listener, server } = startTestServer(() => new KilnResponse('ok'));
    expect(statuses(await rawExchange(listener, '\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n'))).toEqual([200]);
    await server.shutdown();
  });

  it('accepts identical repeated Content-Lengths, chunk extensions, trailers and obs-text values', async () => {
    const bodies: string[] = [];
    const { listener, server } = startTestServer(async (req) => {
      bodies.push(await req.text());
      return new KilnResponse(req.headers.get('x-latin') ?? '');
    });
    const wire = await rawExchange(
      listener,
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\nContent-Length: 005\r\n\r\nhello' +
        'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nX-Latin: caf\xe9\r\n\r\n' +
        '3;name=value;quoted="a \\"b\\""\r\nabc\r\n2 ; x\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n',
    );
    expect(statuses(wire)).toEqual([200, 200]);
    expect(bodies).toEqual(['hello', 'abcde']);
    expect(wire.endsWith('caf\xc3\xa9')).toBe(true); // the obs-text byte read as U+00E9, sent back as UTF-8
    await server.shutdown();
  });
});
