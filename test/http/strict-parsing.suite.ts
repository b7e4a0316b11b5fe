/**
 * The HTTP server's strict parsing and limits, as a framework-free suite (see
 * test/contract/harness.ts) so the same cases run under vitest and inside
 * images, over the in-memory flow pair.
 *
 * Request smuggling vectors and malformed heads (RFC 9112): each must be
 * answered 400 (or the status named) with `Connection: close`, must never
 * reach the handler, and must end the connection even though a well-formed
 * request follows it on the wire.
 */
import { assert, assertEqual, type ContractCase } from '../contract/harness.ts';
import { KilnResponse } from '../../lib/http/response.ts';
import { rawExchange, startTestServer, statuses } from '../support/http.ts';
import type { Handler, ServeOptions } from '../../lib/http/server.ts';
import type { FlowPairOptions } from '../../lib/testing/flow-pair.ts';
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

/** Sends `raw` to a fresh server and checks the statuses it answered, and that it then closed. */
async function expectStatuses(
  raw: string,
  expected: number[],
  handler: Handler,
  options: Partial<ServeOptions> = {},
  pairOptions: FlowPairOptions = {},
): Promise<string> {
  const { listener, server } = startTestServer(handler, options, pairOptions);
  const wire = await rawExchange(listener, raw);
  assertEqual(statuses(wire).join(','), expected.join(','), 'statuses answered');
  await server.shutdown();
  return wire;
}

const ok: Handler = () => new KilnResponse('ok');

export function strictParsingCases(): ContractCase[] {
  const cases: ContractCase[] = VECTORS.map(([name, raw, status]) => ({
    name: `${name} → ${status} and close`,
    run: async () => {
      const seen: string[] = [];
      const handler: Handler = async (req) => {
        seen.push(req.pathname);
        await req.bytes();
        return new KilnResponse('ok');
      };
      // Whole, and a byte per read: the early check of a request line's first bytes must agree with the full parse.
      for (const maxReadSize of [undefined, 1]) {
        seen.length = 0;
        const wire = await expectStatuses(raw + FOLLOW_UP, [status], handler, {}, { maxReadSize });
        assert(/\r\nConnection: close\r\n/.test(wire), 'the answer says Connection: close');
        assert(!seen.includes('/smuggled'), 'the request after the bad one never reached the handler');
        // Bad chunked bodies are found while the handler reads them; everything else before it runs.
        if (!/chunk|trailer/.test(name)) assertEqual(seen.length, 0, 'handler calls');
      }
    },
  }));
  cases.push(
    {
      name: 'answers a request that follows empty lines',
      run: async () => void (await expectStatuses('\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', [200], ok)),
    },
    {
      name: 'accepts identical repeated Content-Lengths, chunk extensions, trailers and obs-text values',
      run: async () => {
        const bodies: string[] = [];
        const wire = await expectStatuses(
          'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\nContent-Length: 005\r\n\r\nhello' +
            'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nX-Latin: caf\xe9\r\n\r\n' +
            '3;name=value;quoted="a \\"b\\""\r\nabc\r\n2 ; x\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n',
          [200, 200],
          async (req) => {
            bodies.push(await req.text());
            return new KilnResponse(req.headers.get('x-latin') ?? '');
          },
        );
        assertEqual(bodies.join('|'), 'hello|abcde', 'bodies read');
        // The obs-text byte is read as U+00E9 and sent back as UTF-8.
        assert(wire.endsWith('caf\xc3\xa9'), 'the Latin-1 header value came back');
      },
    },
    {
      name: 'answers 431 to a head over the size limit',
      run: async () => void (await expectStatuses(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(300)}\r\n\r\n`, [431], ok, { maxHeaderBytes: 256 })),
    },
    {
      name: 'answers 414 to a request line over the size limit',
      run: async () => void (await expectStatuses(`GET /${'a'.repeat(300)} HTTP/1.1\r\nHost: a\r\n\r\n`, [414], ok, { maxHeaderBytes: 256 })),
    },
    {
      name: 'answers 431 past the header count limit, and serves at the limit',
      run: async () => {
        const fields = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: ${i}\r\n`).join('');
        await expectStatuses(`GET / HTTP/1.1\r\nHost: a\r\n${fields(4)}\r\n`, [431], ok, { maxHeaderCount: 4 });
        await expectStatuses(`GET / HTTP/1.1\r\nHost: a\r\n${fields(3)}\r\n`, [200], ok, { maxHeaderCount: 4 });
      },
    },
    {
      name: 'answers 413 to a declared length over the limit without calling the handler',
      run: async () => {
        let called = false;
        const handler: Handler = () => ((called = true), new KilnResponse('x'));
        await expectStatuses('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n01234567890', [413], handler, { maxBodyBytes: 10 });
        assert(!called, 'the handler was not called');
      },
    },
    {
      name: 'answers 413 when a chunked body grows over the limit, and closes',
      run: async () => {
        const handler: Handler = async (req) => new KilnResponse(`${(await req.bytes()).length}`);
        const raw = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n678901\r\n0\r\n\r\n';
        const wire = await expectStatuses(raw + FOLLOW_UP, [413], handler, { maxBodyBytes: 10 });
        assert(wire.includes('Connection: close'), 'the answer says Connection: close');
      },
    },
  );
  return cases;
}

/**
 * Runs cases one by one, writing `PASS name` or `FAIL name: error` for each;
 * resolves with the number that failed. For places without a test framework
 * (QuickJS, images).
 */
export async function runCases(cases: ContractCase[], write: (line: string) => void): Promise<number> {
  let failed = 0;
  for (const c of cases) {
    try {
      await c.run();
      write(`PASS ${c.name}`);
    } catch (err) {
      failed++;
      write(`FAIL ${c.name}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
  }
  return failed;
}
