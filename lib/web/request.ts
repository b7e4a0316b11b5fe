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

export class Request extends Body {
  readonly headers: Headers;
  readonly method: string;
  readonly url: string;
  readonly signal: AbortSignal;
  readonly redirect: RequestRedirect;

  constructor(input: string | URL | Request, init: RequestInit = {}) {
    super();
    const from = input instanceof Request ? input : null;
    const url = from ? from.url : new URL(String(input)).href;
    this.url = url;
    this.method = init.method !== undefined ? normalizeMethod(String(init.method)) : (from?.method ?? 'GET');
    this.redirect = init.redirect ?? from?.redirect ?? 'follow';
    const parent = init.signal !== undefined ? init.signal : from?.signal;
    this.signal = parent ? AbortSignal.any([parent]) : new AbortController().signal;
    this.headers = new Headers(init.headers ?? from?.headers);
    const body = init.body;
    const hasBody = (body !== undefined && body !== null) || (body === undefined && from?.body);
    if (hasBody && (this.method === 'GET' || this.method === 'HEAD')) throw new TypeError(`Request: a ${this.method} request cannot have a body`);
    if (body !== undefined && body !== null) this.initBody(body, this.headers);
    else if (body === undefined && from) this.takeBodyFrom(from);
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
