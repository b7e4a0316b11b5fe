/** A request as a handler receives it: like the Web's `Request`, over a Kiln flow. */
import type { Endpoint } from '../devices/flow.ts';
import { BodyCarrier, type KilnBody } from './body.ts';
import { KilnHeaders } from './headers.ts';
import type { HttpVersion } from './head-parser.ts';
import { splitTarget } from './url.ts';

export interface KilnRequestInit {
  method: string;
  target: string;
  version: HttpVersion;
  headers: KilnHeaders;
  body: KilnBody | null;
  remote: Endpoint;
  local: Endpoint;
}

export class KilnRequest extends BodyCarrier {
  /** Method as sent (methods are case-sensitive: `GET`, not `get`). */
  readonly method: string;
  /** Absolute URL rebuilt from the Host header and the target, like `Request.url`. */
  readonly url: string;
  /** The request-target exactly as sent. */
  readonly target: string;
  /** Path of the target, without the query. */
  readonly pathname: string;
  /** Query of the target with its `?`, or empty. */
  readonly search: string;
  readonly version: HttpVersion;
  readonly headers: KilnHeaders;
  /** The client's address and port. */
  readonly remote: Endpoint;

  constructor(init: KilnRequestInit) {
    super(init.body);
    this.method = init.method;
    this.target = init.target;
    this.version = init.version;
    this.headers = init.headers;
    this.remote = init.remote;
    if (init.target.startsWith('/')) {
      const host = KilnHeaders.getKnown(init.headers, 'host') || `${init.local.address}:${init.local.port}`;
      this.url = `http://${host}${init.target}`;
      ({ pathname: this.pathname, search: this.search } = splitTarget(init.target));
    } else {
      // absolute-form (proxies), authority-form (CONNECT), asterisk-form (OPTIONS *)
      this.url = init.target;
      const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(init.target);
      const path = m ? m[1] || '/' : init.target;
      const rest = m ? init.target.slice(m[0].length) : '';
      this.pathname = path;
      this.search = splitTarget(rest).search;
    }
  }
}
