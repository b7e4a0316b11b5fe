/**
 * `http://` URLs for the client and request URLs for handlers. QuickJS has no
 * `URL` class, and HTTP/1.1 needs only this much: host, port, path, query.
 */
import { HttpError } from './errors.ts';

export interface HttpUrl {
  /** `http` or `https`. */
  scheme: 'http' | 'https';
  /** Host name or dotted IPv4 address, lower case. */
  hostname: string;
  port: number;
  /** Path, starting with `/`. */
  pathname: string;
  /** Query with its `?`, or empty. */
  search: string;
  /** `host[:port]` as the Host header carries it (port left out when it is the scheme's default). */
  host: string;
  href: string;
}

const DEFAULT_PORTS = { http: 80, https: 443 } as const;

/** Parses an absolute `http://` or `https://` URL. Other schemes are refused with `invalid-url`. */
export function parseHttpUrl(text: string): HttpUrl {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/s.exec(text);
  if (!m) throw new HttpError('invalid-url', `not an absolute URL: ${JSON.stringify(text)}`);
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw new HttpError('invalid-url', `unsupported scheme '${scheme}:' (only http: and https: are supported)`);
  const defaultPort = DEFAULT_PORTS[scheme];
  const authority = m[2]!;
  if (authority.includes('@')) throw new HttpError('invalid-url', 'user information in URLs is not supported');
  if (authority.startsWith('[')) throw new HttpError('invalid-url', 'IPv6 addresses are not supported: the stack is IPv4 only');
  const hm = /^([A-Za-z0-9._~!$&'()*+,;=%-]+)(?::(\d*))?$/.exec(authority);
  if (!hm) throw new HttpError('invalid-url', `invalid host in ${JSON.stringify(text)}`);
  const hostname = hm[1]!.toLowerCase();
  const port = hm[2] === undefined || hm[2] === '' ? defaultPort : Number(hm[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new HttpError('invalid-url', `invalid port in ${JSON.stringify(text)}`);
  const pathname = m[3] === '' ? '/' : m[3]!;
  if (/[\x00-\x20\x7f-\uffff]/.test(pathname + (m[4] ?? ''))) {
    throw new HttpError('invalid-url', 'the path or query holds spaces, controls or non-ASCII characters: percent-encode them');
  }
  const search = m[4] === '?' ? '' : m[4] ?? '';
  const host = port === defaultPort ? hostname : `${hostname}:${port}`;
  return { scheme, hostname, port, pathname, search, host, href: `${scheme}://${host}${pathname}${search}` };
}

/** Splits an origin-form request target into path and query. */
export function splitTarget(target: string): { pathname: string; search: string } {
  const q = target.indexOf('?');
  if (q < 0) return { pathname: target, search: '' };
  const search = target.slice(q);
  return { pathname: target.slice(0, q), search: search === '?' ? '' : search };
}
