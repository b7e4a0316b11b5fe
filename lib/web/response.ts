/** Response (Fetch Standard section 5.5). */
import { Body, type BodyInit } from './body.ts';
import { Headers, type HeadersInit } from './headers.ts';
import { URL } from './url.ts';

export interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

export type ResponseType = 'basic' | 'cors' | 'default' | 'error' | 'opaque' | 'opaqueredirect';

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
// RFC 9110 reason-phrase: HTAB, SP, VCHAR, obs-text.
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

export class Response extends Body {
  #headers: Headers;
  #status: number;
  #statusText: string;
  #type: ResponseType = 'default';
  #url = '';
  #redirected = false;

  constructor(body: BodyInit | null = null, init: ResponseInit = {}) {
    super();
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`Response: status ${status} is not in 200-599`);
    const statusText = init.statusText ?? '';
    if (!REASON_PHRASE.test(statusText)) throw new TypeError('Response: invalid statusText');
    this.#status = status;
    this.#statusText = statusText;
    this.#headers = new Headers(init.headers);
    if (body !== null && body !== undefined && NULL_BODY_STATUS.has(status)) {
      throw new TypeError(`Response: a ${status} response cannot have a body`);
    }
    this.initBody(body, this.#headers);
  }

  /**
   * A response as lib/http's client read it: any status the wire gave, the
   * parsed fields taken as they are, the body read from the connection as
   * it is asked for.
   */
  static fromWire(status: number, statusText: string, headers: Headers, body: Uint8Array | AsyncIterable<Uint8Array> | null): Response {
    const response = new Response();
    response.#status = status;
    response.#statusText = statusText;
    response.#headers = headers;
    if (body !== null) Body.setContent(response, body);
    return response;
  }

  get headers(): Headers {
    return this.#headers;
  }

  /** A network error. */
  static error(): Response {
    const response = new Response(null, { status: 200 });
    response.#status = 0;
    response.#type = 'error';
    Headers.freeze(response.headers);
    return response;
  }

  static redirect(url: string | URL, status = 302): Response {
    const parsed = new URL(url);
    if (!REDIRECT_STATUS.has(status)) throw new RangeError(`Response.redirect: ${status} is not a redirect status`);
    const response = new Response(null, { status, headers: { location: parsed.href } });
    Headers.freeze(response.headers);
    return response;
  }

  /** A JSON body with Content-Type application/json. */
  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Response.json: the data cannot be serialized to JSON');
    const headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(text, { ...init, headers });
  }

  /** Sets what a fetched response carries beyond its init: its URL and whether redirects led to it. */
  static fetched(response: Response, url: string, redirected: boolean): Response {
    response.#type = 'basic';
    response.#url = url;
    response.#redirected = redirected;
    Headers.freeze(response.headers);
    return response;
  }

  get type(): ResponseType {
    return this.#type;
  }
  get url(): string {
    return this.#url;
  }
  get redirected(): boolean {
    return this.#redirected;
  }
  get status(): number {
    return this.#status;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }
  get statusText(): string {
    return this.#statusText;
  }

  clone(): Response {
    const copy = new Response(null, { status: 200, statusText: this.#statusText, headers: this.headers });
    copy.#status = this.#status;
    copy.#type = this.#type;
    copy.#url = this.#url;
    copy.#redirected = this.#redirected;
    this.cloneBodyInto(copy);
    return copy;
  }

  get [Symbol.toStringTag](): string {
    return 'Response';
  }
}
