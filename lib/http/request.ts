/**
 * A request as a server's handler receives it: lib/web's `Request` (so a
 * standard `(request: Request) => Response` handler takes it as it is), with
 * what only a server knows beside it: the target as sent, its path and
 * query, the HTTP version and the client's address. Its body is read from
 * the connection as the handler asks for it (`body` is a ReadableStream over
 * the wire; `text()` and the others read it whole).
 */
import type { Endpoint } from '../devices/flow.ts';
import { Request, WIRE_REQUEST } from '../web/request.ts';
import type { HttpVersion, RequestHead } from './head-parser.ts';
import { KilnHeaders } from './headers.ts';
import { splitTarget } from './url.ts';

// Internal state under module-private symbols rather than #private fields: bundles for
// images target ES2020, which turns #private into WeakMap lookups at every access.
const LOCAL = Symbol('local');
const URL_KEY = Symbol('url');
const PATHNAME = Symbol('pathname');
const SEARCH = Symbol('search');

export class KilnRequest extends Request {
  /** The request-target exactly as sent. */
  readonly target: string;
  readonly version: HttpVersion;
  /** The client's address and port. */
  readonly remote: Endpoint;
  declare readonly [LOCAL]: Endpoint;
  // Worked out when first asked for: a handler may need none of them.
  declare [URL_KEY]: string | null;
  declare [PATHNAME]: string | null;
  declare [SEARCH]: string;

  /**
   * @param head the parsed head, taken as it is
   * @param body the body's chunks as they arrive, or null for none
   */
  constructor(head: RequestHead, body: AsyncIterable<Uint8Array> | null, remote: Endpoint, local: Endpoint) {
    super(WIRE_REQUEST);
    Request.fromWire(this, head.method, head.headers, body);
    this.target = head.target;
    this.version = head.version;
    this.remote = remote;
    this[LOCAL] = local;
  }

  /** Absolute URL rebuilt from the Host header and the target. */
  override get url(): string {
    if (this[URL_KEY] === null) {
      // origin-form; otherwise absolute-form (proxies), authority-form (CONNECT), asterisk-form (OPTIONS *)
      if (this.target.startsWith('/')) {
        const host = KilnHeaders.getKnown(this.headers, 'host') || `${this[LOCAL].address}:${this[LOCAL].port}`;
        this[URL_KEY] = `http://${host}${this.target}`;
      } else this[URL_KEY] = this.target;
    }
    return this[URL_KEY];
  }

  /** Path of the target, without the query. */
  get pathname(): string {
    if (this[PATHNAME] === null) this.split();
    return this[PATHNAME]!;
  }

  /** Query of the target with its `?`, or empty. */
  get search(): string {
    if (this[PATHNAME] === null) this.split();
    return this[SEARCH];
  }

  private split(): void {
    const target = this.target;
    if (target.startsWith('/')) {
      // The common case without splitTarget's object: a target with no query is its own path.
      if (target.indexOf('?') < 0) this[PATHNAME] = target;
      else ({ pathname: this[PATHNAME], search: this[SEARCH] } = splitTarget(target));
      return;
    }
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(target);
    this[PATHNAME] = m ? m[1] || '/' : target;
    this[SEARCH] = splitTarget(m ? target.slice(m[0].length) : '').search;
  }
}

// Defaults on the prototype: an instance gets its own value only when it needs another.
KilnRequest.prototype[URL_KEY] = null;
KilnRequest.prototype[PATHNAME] = null;
KilnRequest.prototype[SEARCH] = '';
