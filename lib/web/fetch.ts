/**
 * fetch (Fetch Standard section 5.6) over lib/http's HttpClient: the
 * standard Request in, the standard Response out, bodies streamed both ways
 * (a request body is sent as its stream gives it; a response body is read
 * from the connection as the app reads it). Redirects are followed (at most
 * 20, RFC 9110 section 15.4: 303, and 301/302 after POST, become GET without
 * a body), or returned (`manual`), or refused (`error`). A network failure
 * rejects with TypeError, the cause attached; an aborted signal rejects with
 * its reason and cancels the response body.
 */
import type { HttpClient } from '../http/client.ts';
import { Body } from './body.ts';
import { Headers } from './headers.ts';
import { Request, type RequestInit } from './request.ts';
import { Response } from './response.ts';
import { URL } from './url.ts';

const MAX_REDIRECTS = 20;

const failure = (message: string, cause?: unknown) => Object.assign(new TypeError(`fetch failed: ${message}`), { cause });
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Resolves when `signal` aborts, rejecting with its reason; never settles otherwise. */
const aborted = (signal: Request['signal']) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

export function createFetch(client: HttpClient): Fetch {
  return async function fetch(input, init) {
    let request = new Request(input, init);
    const signal = request.signal;
    signal.throwIfAborted();
    let redirected = false;
    // Bytes known up front go as they are (with Content-Length, and again after a 307/308); a stream goes chunked, once.
    // Asked before `body`, which turns bytes into a stream.
    const known = Body.knownLength(request);
    let body: Uint8Array | AsyncIterable<Uint8Array> | null = known === 0 ? null : known !== null ? await request.bytes() : request.body;
    for (let hops = 0; ; hops++) {
      const headers: [string, string][] = [...request.headers];
      if (!request.headers.has('user-agent')) headers.push(['user-agent', 'Kiln']);
      // The fragment stays with the client (a serialized URL's first '#' starts it).
      const url = request.url.split('#')[0]!;
      let kiln: Response;
      try {
        kiln = await Promise.race([client.request(url, { method: request.method, headers, body }), aborted(signal)]);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        throw failure(err instanceof Error ? err.message : String(err), err);
      }
      const location = kiln.headers.get('location');
      if (!REDIRECTS.has(kiln.status) || location === null || request.redirect === 'manual') {
        const response = Response.fetched(kiln, url, redirected);
        signal.addEventListener('abort', () => void response.body?.cancel(signal.reason).catch(() => {}), { once: true });
        return response;
      }
      await kiln.bytes().catch(() => undefined);
      if (request.redirect === 'error') throw failure(`redirected (${kiln.status}) and redirect is 'error'`);
      if (hops + 1 > MAX_REDIRECTS) throw failure('too many redirects');
      let next: URL;
      try {
        next = new URL(location, request.url);
      } catch (err) {
        throw failure(`bad Location ${JSON.stringify(location)}`, err);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw failure(`redirect to ${next.protocol}`);
      const toGet = kiln.status === 303 ? request.method !== 'HEAD' : (kiln.status === 301 || kiln.status === 302) && request.method === 'POST';
      if (toGet) body = null;
      else if (body !== null && !(body instanceof Uint8Array)) throw failure('a streamed request body cannot be sent again after a redirect');
      const nextHeaders = new Headers(request.headers);
      if (toGet) for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) nextHeaders.delete(name);
      if (new URL(request.url).origin !== next.origin) nextHeaders.delete('authorization');
      request = new Request(next.href, { method: toGet ? 'GET' : request.method, headers: nextHeaders, signal, redirect: request.redirect });
      redirected = true;
    }
  };
}
