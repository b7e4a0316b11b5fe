/**
 * A request as a server's handler receives it: lib/web's `Request` (so a
 * standard `(request: Request) => Response` handler takes it as it is), with
 * what only a server knows beside it: the target as sent, its path and
 * query, the HTTP version and the client's address. Its body is read from
 * the connection as the handler asks for it (`body` is a ReadableStream over
 * the wire; `text()` and the others read it whole).
 */
import type { Endpoint } from '../devices/flow.ts';
import type { Headers } from '../web/headers.ts';
import { Request, WIRE_REQUEST } from '../web/request.ts';
import type { HttpVersion } from './head-parser.ts';
import { KilnHeaders } from './headers.ts';
import { splitTarget } from './url.ts';

export interface KilnRequestInit {
  method: string;
  target: string;
  version: HttpVersion;
  headers: Headers;
  /** The body's chunks as they arrive, or null for none. */
  body: AsyncIterable<Uint8Array> | null;
  remote: Endpoint;
  local: Endpoint;
}

export class KilnRequest extends Request {
  /** The request-target exactly as sent. */
  readonly target: string;
  readonly version: HttpVersion;
  /** The client's address and port. */
  readonly remote: Endpoint;
  readonly #local: Endpoint;
  // Worked out when first asked for: a handler may need none of them.
  #url: string | null = null;
  #pathname: string | null = null;
  #search = '';

  constructor(init: KilnRequestInit) {
    super(WIRE_REQUEST);
    Request.fromWire(this, init.method, init.headers, init.body);
    this.target = init.target;
    this.version = init.version;
    this.remote = init.remote;
    this.#local = init.local;
  }

  /** Absolute URL rebuilt from the Host header and the target. */
  override get url(): string {
    if (this.#url === null) {
      // origin-form; otherwise absolute-form (proxies), authority-form (CONNECT), asterisk-form (OPTIONS *)
      if (this.target.startsWith('/')) {
        const host = KilnHeaders.getKnown(this.headers, 'host') || `${this.#local.address}:${this.#local.port}`;
        this.#url = `http://${host}${this.target}`;
      } else this.#url = this.target;
    }
    return this.#url;
  }

  /** Path of the target, without the query. */
  get pathname(): string {
    if (this.#pathname === null) this.#split();
    return this.#pathname!;
  }

  /** Query of the target with its `?`, or empty. */
  get search(): string {
    if (this.#pathname === null) this.#split();
    return this.#search;
  }

  #split(): void {
    const target = this.target;
    if (target.startsWith('/')) {
      ({ pathname: this.#pathname, search: this.#search } = splitTarget(target));
      return;
    }
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(target);
    this.#pathname = m ? m[1] || '/' : target;
    this.#search = splitTarget(m ? target.slice(m[0].length) : '').search;
  }
}
