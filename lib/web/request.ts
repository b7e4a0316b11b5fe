/** Request (Fetch Standard section 5.4), for servers and for fetch. */
import { isToken } from '../http/syntax.ts';
import { AbortController, AbortSignal } from './abort.ts';
import { Body, type BodyInit } from './body.ts';
import { Headers, type HeadersInit } from './headers.ts';
import { URL } from './url.ts';

export type RequestRedirect = 'error' | 'follow' | 'manual';

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
  signal?: AbortSignal | null;
  redirect?: RequestRedirect;
  /** Required by Node for a stream body; accepted and ignored here (requests are always half duplex). */
  duplex?: 'half';
  // The browser-only members (mode, credentials, cache, referrer, integrity, keepalive, ...) are accepted and have no effect.
  [browserOnly: string]: unknown;
}

const NORMALIZED_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
const FORBIDDEN_METHODS = ['CONNECT', 'TRACE', 'TRACK'];

function normalizeMethod(method: string): string {
  if (!isToken(method)) throw new TypeError(`Request: invalid method ${JSON.stringify(method)}`);
  const upper = method.toUpperCase();
  if (FORBIDDEN_METHODS.includes(upper)) throw new TypeError(`Request: method ${method} is forbidden`);
  return NORMALIZED_METHODS.includes(upper) ? upper : method;
}

// Internal state under module-private symbols rather than #private fields: bundles for
// images target ES2020, which turns #private into WeakMap lookups at every access.
const HEADERS = Symbol('headers');
const METHOD = Symbol('method');
const URL_KEY = Symbol('url');
const SIGNAL = Symbol('signal');
const REDIRECT = Symbol('redirect');

/** Passed by lib/http's KilnRequest to skip the public constructor's parsing (see `Request.fromWire`). */
export const WIRE_REQUEST: unique symbol = Symbol('a request read from the wire');

export class Request extends Body {
  declare [HEADERS]: Headers;
  declare [METHOD]: string;
  declare [URL_KEY]: string;
  declare [SIGNAL]: AbortSignal | null;
  declare [REDIRECT]: RequestRedirect;

  constructor(input: string | URL | Request | typeof WIRE_REQUEST, init: RequestInit = {}) {
    super();
    if (input === WIRE_REQUEST) return;
    const from = input instanceof Request ? input : null;
    this[URL_KEY] = from ? from.url : new URL(String(input)).href;
    this[METHOD] = init.method !== undefined ? normalizeMethod(String(init.method)) : (from?.method ?? 'GET');
    this[REDIRECT] = init.redirect ?? from?.redirect ?? 'follow';
    const parent = init.signal !== undefined ? init.signal : from?.signal;
    this[SIGNAL] = parent ? AbortSignal.any([parent]) : null;
    const body = init.body;
    const hasBody = (body !== undefined && body !== null) || (body === undefined && from?.body);
    const refusal = hasBody && (this[METHOD] === 'GET' || this[METHOD] === 'HEAD') ? `Request: a ${this[METHOD]} request cannot have a body` : null;
    this[HEADERS] = this.initMessage(init.headers ?? from?.headers, body, refusal);
    if (body === undefined && from) this.takeBodyFrom(from);
  }

  /**
   * Fills a request a server read from the wire (made with WIRE_REQUEST):
   * the method as sent (methods are case-sensitive), the parsed fields taken
   * as they are, the body (if any) read from the connection as it is asked
   * for. Its `url` is the subclass's to give.
   */
  static fromWire(request: Request, method: string, headers: Headers, body: AsyncIterable<Uint8Array> | null): void {
    request[METHOD] = method;
    request[HEADERS] = headers;
    if (body !== null) Body.setContent(request, body);
  }

  get headers(): Headers {
    return this[HEADERS];
  }
  get method(): string {
    return this[METHOD];
  }
  get url(): string {
    return this[URL_KEY];
  }
  /** Made when first asked for: most requests never are. */
  get signal(): AbortSignal {
    return (this[SIGNAL] ??= new AbortController().signal);
  }
  get redirect(): RequestRedirect {
    return this[REDIRECT];
  }

  clone(): Request {
    const copy = new Request(this.url, { method: this.method, headers: this.headers, signal: this.signal, redirect: this.redirect });
    this.cloneBodyInto(copy);
    return copy;
  }

  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}

// Defaults on the prototype: an instance gets its own value only when it needs another.
Request.prototype[METHOD] = 'GET';
Request.prototype[URL_KEY] = '';
Request.prototype[SIGNAL] = null;
Request.prototype[REDIRECT] = 'follow';
