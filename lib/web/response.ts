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

/** The init of a response given none: one object for all of them. */
const NO_INIT: ResponseInit = Object.freeze({});

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
// RFC 9110 reason-phrase: HTAB, SP, VCHAR, obs-text.
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

// Internal state under module-private symbols rather than #private fields: bundles for
// images target ES2020, which turns #private into WeakMap lookups at every access.
const HEADERS = Symbol('headers');
const STATUS = Symbol('status');
const STATUS_TEXT = Symbol('statusText');
const TYPE = Symbol('type');
const URL_KEY = Symbol('url');
const REDIRECTED = Symbol('redirected');
/** A response made without a headers init keeps its Content-Type here, its Headers object made only when asked for. */
const IMPLIED_TYPE = Symbol('impliedType');
/** Fields lib/http's server wrote for such a response, as name, value, name, value: its Headers object gets them too. */
const WRITTEN_FIELDS = Symbol('writtenFields');

export class Response extends Body {
  /** Null until `headers` is read, for a response made without a headers init. */
  declare [HEADERS]: Headers | null;
  declare [IMPLIED_TYPE]: string | null;
  declare [WRITTEN_FIELDS]: readonly string[] | null;
  declare [STATUS]: number;
  declare [STATUS_TEXT]: string;
  declare [TYPE]: ResponseType;
  declare [URL_KEY]: string;
  declare [REDIRECTED]: boolean;

  constructor(body: BodyInit | null = null, init: ResponseInit = NO_INIT) {
    super();
    const status = init.status ?? 200;
    // An integer check by operators, not Number.isInteger: a call costs more in QuickJS, and this runs per response.
    if (!(status >= 200 && status <= 599 && (status | 0) === status)) throw new RangeError(`Response: status ${status} is not in 200-599`);
    const statusText = init.statusText ?? '';
    if (statusText !== '' && !REASON_PHRASE.test(statusText)) throw new TypeError('Response: invalid statusText');
    this[STATUS] = status;
    this[STATUS_TEXT] = statusText;
    const refusal = body !== null && body !== undefined && status !== 200 && NULL_BODY_STATUS.has(status) ? `Response: a ${status} response cannot have a body` : null;
    if (init.headers === undefined) {
      // The common `new Response(text)`: lib/http writes its head without a Headers object (see `impliedContentType`).
      this[HEADERS] = null;
      const type = this.initMessageType(body, refusal);
      if (type !== null) this[IMPLIED_TYPE] = type;
    } else this[HEADERS] = this.initMessage(init.headers, body, refusal);
  }

  /**
   * For lib/http's server: the Content-Type of a response whose Headers
   * object was never made (null: none), the only field it would hold; or
   * undefined once it exists, when `headers` is what counts.
   */
  static impliedContentType(response: Response): string | null | undefined {
    return response[HEADERS] === null ? response[IMPLIED_TYPE] : undefined;
  }

  /**
   * For lib/http's server: the fields it wrote after the implied
   * Content-Type of a response with no Headers object (lowercase name,
   * value, name, value), which that object holds if it is made later, as
   * it would have had the server set them on it.
   */
  static fieldsWritten(response: Response, fields: readonly string[]): void {
    response[WRITTEN_FIELDS] = fields;
  }

  /**
   * A response as lib/http's client read it: any status the wire gave, the
   * parsed fields taken as they are, the body read from the connection as
   * it is asked for.
   */
  static fromWire(status: number, statusText: string, headers: Headers, body: Uint8Array | AsyncIterable<Uint8Array> | null): Response {
    const response = new Response();
    response[STATUS] = status;
    response[STATUS_TEXT] = statusText;
    response[HEADERS] = headers;
    if (body !== null) Body.setContent(response, body);
    return response;
  }

  get headers(): Headers {
    return this[HEADERS] ?? this.makeHeaders();
  }

  private makeHeaders(): Headers {
    const headers = new Headers();
    const type = this[IMPLIED_TYPE];
    if (type !== null) Headers.appendParsed(headers, 'content-type', type);
    const written = this[WRITTEN_FIELDS];
    if (written !== null) for (let i = 0; i < written.length; i += 2) Headers.appendParsed(headers, written[i]!, written[i + 1]!);
    this[HEADERS] = headers;
    return headers;
  }

  /** A network error. */
  static error(): Response {
    const response = new Response(null, { status: 200 });
    response[STATUS] = 0;
    response[TYPE] = 'error';
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
    response[TYPE] = 'basic';
    response[URL_KEY] = url;
    response[REDIRECTED] = redirected;
    Headers.freeze(response.headers);
    return response;
  }

  get type(): ResponseType {
    return this[TYPE];
  }
  get url(): string {
    return this[URL_KEY];
  }
  get redirected(): boolean {
    return this[REDIRECTED];
  }
  get status(): number {
    return this[STATUS];
  }
  get ok(): boolean {
    return this[STATUS] >= 200 && this[STATUS] <= 299;
  }
  get statusText(): string {
    return this[STATUS_TEXT];
  }

  clone(): Response {
    const copy = new Response(null, { status: 200, statusText: this[STATUS_TEXT], headers: this.headers });
    copy[STATUS] = this[STATUS];
    copy[TYPE] = this[TYPE];
    copy[URL_KEY] = this[URL_KEY];
    copy[REDIRECTED] = this[REDIRECTED];
    this.cloneBodyInto(copy);
    return copy;
  }

  get [Symbol.toStringTag](): string {
    return 'Response';
  }
}

// Defaults on the prototype: an instance gets its own value only when it needs another.
Response.prototype[TYPE] = 'default';
Response.prototype[URL_KEY] = '';
Response.prototype[REDIRECTED] = false;
Response.prototype[IMPLIED_TYPE] = null;
Response.prototype[WRITTEN_FIELDS] = null;
