/** A response, like the Web's `Response`: made by handlers, and returned by the client. */
import { BodyCarrier, KilnBody, type BodyInit } from './body.ts';
import { HttpError } from './errors.ts';
import { KilnHeaders, type HeadersInit } from './headers.ts';
import { reasonPhrase } from './status.ts';
import { isFieldValue } from './syntax.ts';

export interface ResponseInit {
  /** Default 200. */
  status?: number;
  /** Default: the standard reason phrase. */
  statusText?: string;
  headers?: HeadersInit;
}

export class KilnResponse extends BodyCarrier {
  readonly status: number;
  readonly statusText: string;
  readonly headers: KilnHeaders;

  constructor(body?: BodyInit | KilnBody | null, init: ResponseInit = {}) {
    super(body === undefined || body === null ? null : body instanceof KilnBody ? body : new KilnBody(body));
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw new RangeError(`status ${status} is not a three-digit code`);
    }
    // The standard phrases are valid by construction: only a given one is checked.
    const statusText = init.statusText ?? reasonPhrase(status);
    if (init.statusText !== undefined && !isFieldValue(statusText)) throw new HttpError('invalid-header', 'invalid characters in the status text');
    this.status = status;
    this.statusText = statusText;
    this.headers = new KilnHeaders(init.headers);
    if (typeof body === 'string' && !KilnHeaders.hasKnown(this.headers, 'content-type')) {
      KilnHeaders.setKnown(this.headers, 'content-type', 'text/plain; charset=utf-8');
    }
  }

  /** A JSON response (`application/json`). */
  static json(data: unknown, init: ResponseInit = {}): KilnResponse {
    const response = new KilnResponse(JSON.stringify(data), init);
    if (!new KilnHeaders(init.headers).has('content-type')) response.headers.set('content-type', 'application/json');
    return response;
  }

  /** True for 2xx statuses. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
}
