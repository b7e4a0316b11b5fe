/**
 * The basic URL parser and serializer (WHATWG URL section 4.4-4.5): the
 * state machine, with the state overrides the URL setters use.
 */
import { parseHost } from './host.ts';
import {
  c0ControlSet,
  fragmentSet,
  pathSet,
  percentEncode,
  querySet,
  specialQuerySet,
  userinfoSet,
} from './percent-encode.ts';

export interface UrlRecord {
  scheme: string;
  username: string;
  password: string;
  /** Serialized host, '' for the empty host, null for none. */
  host: string | null;
  port: number | null;
  /** Segments, or one string for an opaque path (`mailto:x`). */
  path: string[] | string;
  query: string | null;
  fragment: string | null;
}

const SPECIAL_PORTS: Record<string, number | null> = { ftp: 21, file: null, http: 80, https: 443, ws: 80, wss: 443 };
export const isSpecialScheme = (scheme: string) => scheme in SPECIAL_PORTS;
const defaultPort = (scheme: string) => SPECIAL_PORTS[scheme] ?? null;

export type State =
  | 'scheme start'
  | 'scheme'
  | 'no scheme'
  | 'special relative or authority'
  | 'path or authority'
  | 'relative'
  | 'relative slash'
  | 'special authority slashes'
  | 'special authority ignore slashes'
  | 'authority'
  | 'host'
  | 'hostname'
  | 'port'
  | 'file'
  | 'file slash'
  | 'file host'
  | 'path start'
  | 'path'
  | 'opaque path'
  | 'query'
  | 'fragment';

const isAlpha = (c: string) => /^[A-Za-z]$/.test(c);
const isWindowsDriveLetter = (s: string) => s.length === 2 && isAlpha(s[0]!) && (s[1] === ':' || s[1] === '|');
const isNormalizedWindowsDriveLetter = (s: string) => isWindowsDriveLetter(s) && s[1] === ':';
/** "Starts with a Windows drive letter": two code points, then end or one of / \ ? #. */
const startsWithWindowsDriveLetter = (cps: string[], at: number) =>
  cps.length - at >= 2 && isWindowsDriveLetter(cps[at]! + cps[at + 1]!) && (cps.length - at === 2 || '/\\?#'.includes(cps[at + 2]!));
const isSingleDot = (s: string) => s === '.' || s.toLowerCase() === '%2e';
const isDoubleDot = (s: string) => ['..', '.%2e', '%2e.', '%2e%2e'].includes(s.toLowerCase());

export const hasOpaquePath = (url: UrlRecord): url is UrlRecord & { path: string } => typeof url.path === 'string';
export const includesCredentials = (url: UrlRecord) => url.username !== '' || url.password !== '';
export const cannotHaveUsernamePasswordPort = (url: UrlRecord) => url.host === null || url.host === '' || url.scheme === 'file';

function shortenPath(url: UrlRecord): void {
  const path = url.path as string[];
  if (url.scheme === 'file' && path.length === 1 && isNormalizedWindowsDriveLetter(path[0]!)) return;
  path.pop();
}

/**
 * Parses `input` against `base`. With `url` and `stateOverride` it modifies
 * `url` in place (the setters); returns null on failure.
 */
export function basicParse(input: string, base: UrlRecord | null, url?: UrlRecord, stateOverride?: State): UrlRecord | null {
  if (!url) {
    url = { scheme: '', username: '', password: '', host: null, port: null, path: [], query: null, fragment: null };
    input = input.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  }
  input = input.replace(/[\t\n\r]/g, '');
  const cps = Array.from(input);
  let state: State = stateOverride ?? 'scheme start';
  let buffer = '';
  let atSignSeen = false;
  let insideBrackets = false;
  let passwordTokenSeen = false;
  const special = () => isSpecialScheme(url!.scheme);
  /** A `?` starts the query and a `#` the fragment; true when `c` was one of them. */
  const startsQueryOrFragment = (c: string | undefined): boolean => {
    if (c === '?') {
      url!.query = '';
      state = 'query';
    } else if (c === '#') {
      url!.fragment = '';
      state = 'fragment';
    } else return false;
    return true;
  };
  const segments = () => url!.path as string[];

  for (let p = 0; ; p++) {
    const c = cps[p]; // undefined is EOF
    const eof = c === undefined;
    const remainingStartsWith = (s: string) => cps.slice(p + 1, p + 1 + s.length).join('') === s;
    switch (state) {
      case 'scheme start':
        if (!eof && isAlpha(c)) {
          buffer += c.toLowerCase();
          state = 'scheme';
        } else if (!stateOverride) {
          state = 'no scheme';
          p--;
        } else return null;
        break;
      case 'scheme':
        if (!eof && /^[A-Za-z0-9+.-]$/.test(c)) buffer += c.toLowerCase();
        else if (c === ':') {
          if (stateOverride) {
            if (isSpecialScheme(url.scheme) !== isSpecialScheme(buffer)) return url;
            if ((includesCredentials(url) || url.port !== null) && buffer === 'file') return url;
            if (url.scheme === 'file' && url.host === '') return url;
          }
          url.scheme = buffer;
          if (stateOverride) {
            if (url.port === defaultPort(url.scheme)) url.port = null;
            return url;
          }
          buffer = '';
          if (url.scheme === 'file') state = 'file';
          else if (special() && base && base.scheme === url.scheme) state = 'special relative or authority';
          else if (special()) state = 'special authority slashes';
          else if (remainingStartsWith('/')) {
            state = 'path or authority';
            p++;
          } else {
            url.path = '';
            state = 'opaque path';
          }
        } else if (!stateOverride) {
          buffer = '';
          state = 'no scheme';
          p = -1;
        } else return null;
        break;
      case 'no scheme':
        if (!base || (hasOpaquePath(base) && c !== '#')) return null;
        if (hasOpaquePath(base) && c === '#') {
          url.scheme = base.scheme;
          url.path = base.path;
          url.query = base.query;
          url.fragment = '';
          state = 'fragment';
        } else {
          state = base.scheme !== 'file' ? 'relative' : 'file';
          p--;
        }
        break;
      case 'special relative or authority':
        if (c === '/' && remainingStartsWith('/')) {
          state = 'special authority ignore slashes';
          p++;
        } else {
          state = 'relative';
          p--;
        }
        break;
      case 'path or authority':
        if (c === '/') state = 'authority';
        else {
          state = 'path';
          p--;
        }
        break;
      case 'relative':
        url.scheme = base!.scheme;
        if (c === '/') state = 'relative slash';
        else if (special() && c === '\\') state = 'relative slash';
        else {
          url.username = base!.username;
          url.password = base!.password;
          url.host = base!.host;
          url.port = base!.port;
          url.path = [...base!.path];
          url.query = base!.query;
          if (!startsQueryOrFragment(c) && !eof) {
            url.query = null;
            shortenPath(url);
            state = 'path';
            p--;
          }
        }
        break;
      case 'relative slash':
        if (special() && (c === '/' || c === '\\')) state = 'special authority ignore slashes';
        else if (c === '/') state = 'authority';
        else {
          url.username = base!.username;
          url.password = base!.password;
          url.host = base!.host;
          url.port = base!.port;
          state = 'path';
          p--;
        }
        break;
      case 'special authority slashes':
        state = 'special authority ignore slashes';
        if (c === '/' && remainingStartsWith('/')) p++;
        else p--;
        break;
      case 'special authority ignore slashes':
        if (c !== '/' && c !== '\\') {
          state = 'authority';
          p--;
        }
        break;
      case 'authority':
        if (c === '@') {
          if (atSignSeen) buffer = '%40' + buffer;
          atSignSeen = true;
          for (const ch of buffer) {
            if (ch === ':' && !passwordTokenSeen) {
              passwordTokenSeen = true;
              continue;
            }
            const encoded = percentEncode(ch, userinfoSet);
            if (passwordTokenSeen) url.password += encoded;
            else url.username += encoded;
          }
          buffer = '';
        } else if (eof || c === '/' || c === '?' || c === '#' || (special() && c === '\\')) {
          if (atSignSeen && buffer === '') return null;
          p -= Array.from(buffer).length + 1;
          buffer = '';
          state = 'host';
        } else buffer += c;
        break;
      case 'host':
      case 'hostname':
        if (stateOverride && url.scheme === 'file') {
          p--;
          state = 'file host';
        } else if (c === ':' && !insideBrackets) {
          if (buffer === '') return null;
          if (stateOverride === 'hostname') return null;
          const host = parseHost(buffer, !special());
          if (host === null) return null;
          url.host = host;
          buffer = '';
          state = 'port';
        } else if (eof || c === '/' || c === '?' || c === '#' || (special() && c === '\\')) {
          p--;
          if (special() && buffer === '') return null;
          if (stateOverride && buffer === '' && (includesCredentials(url) || url.port !== null)) return null;
          const host = parseHost(buffer, !special());
          if (host === null) return null;
          url.host = host;
          buffer = '';
          state = 'path start';
          if (stateOverride) return url;
        } else {
          if (c === '[') insideBrackets = true;
          if (c === ']') insideBrackets = false;
          buffer += c;
        }
        break;
      case 'port':
        if (!eof && /^[0-9]$/.test(c)) buffer += c;
        else if (eof || c === '/' || c === '?' || c === '#' || (special() && c === '\\') || stateOverride) {
          if (buffer !== '') {
            const port = parseInt(buffer, 10);
            if (port > 65535) return null;
            url.port = port === defaultPort(url.scheme) ? null : port;
            buffer = '';
            if (stateOverride) return url;
          }
          if (stateOverride) return null;
          state = 'path start';
          p--;
        } else return null;
        break;
      case 'file':
        url.scheme = 'file';
        url.host = '';
        if (c === '/' || c === '\\') state = 'file slash';
        else if (base && base.scheme === 'file') {
          url.host = base.host;
          url.path = [...base.path];
          url.query = base.query;
          if (!startsQueryOrFragment(c) && !eof) {
            url.query = null;
            if (!startsWithWindowsDriveLetter(cps, p)) shortenPath(url);
            else url.path = [];
            state = 'path';
            p--;
          }
        } else {
          state = 'path';
          p--;
        }
        break;
      case 'file slash':
        if (c === '/' || c === '\\') state = 'file host';
        else {
          if (base && base.scheme === 'file') {
            url.host = base.host;
            const first = (base.path as string[])[0];
            if (!startsWithWindowsDriveLetter(cps, p) && first !== undefined && isNormalizedWindowsDriveLetter(first)) {
              segments().push(first);
            }
          }
          state = 'path';
          p--;
        }
        break;
      case 'file host':
        if (eof || c === '/' || c === '\\' || c === '?' || c === '#') {
          p--;
          if (!stateOverride && isWindowsDriveLetter(buffer)) {
            // The drive letter quirk: buffer stays and becomes the first path segment.
            state = 'path';
          } else if (buffer === '') {
            url.host = '';
            if (stateOverride) return url;
            state = 'path start';
          } else {
            let host = parseHost(buffer, !special());
            if (host === null) return null;
            if (host === 'localhost') host = '';
            url.host = host;
            if (stateOverride) return url;
            buffer = '';
            state = 'path start';
          }
        } else buffer += c;
        break;
      case 'path start':
        if (special()) {
          state = 'path';
          if (c !== '/' && c !== '\\') p--;
        } else if (!stateOverride && startsQueryOrFragment(c)) {
          // the query or fragment state is entered
        } else if (!eof) {
          state = 'path';
          if (c !== '/') p--;
        } else if (stateOverride && url.host === null) segments().push('');
        break;
      case 'path':
        if (eof || c === '/' || (special() && c === '\\') || (!stateOverride && (c === '?' || c === '#'))) {
          const slash = c === '/' || (special() && c === '\\');
          if (isDoubleDot(buffer)) {
            shortenPath(url);
            if (!slash) segments().push('');
          } else if (isSingleDot(buffer) && !slash) segments().push('');
          else if (!isSingleDot(buffer)) {
            if (url.scheme === 'file' && segments().length === 0 && isWindowsDriveLetter(buffer)) buffer = buffer[0] + ':';
            segments().push(buffer);
          }
          buffer = '';
          startsQueryOrFragment(c);
        } else buffer += percentEncode(c, pathSet);
        break;
      case 'opaque path':
        if (startsQueryOrFragment(c)) {
          // the query or fragment state is entered
        } else if (c === ' ') {
          url.path += remainingStartsWith('?') || remainingStartsWith('#') ? '%20' : ' ';
        } else if (!eof) url.path += percentEncode(c, c0ControlSet);
        break;
      case 'query':
        if ((!stateOverride && c === '#') || eof) {
          url.query += percentEncode(buffer, special() ? specialQuerySet : querySet);
          buffer = '';
          if (c === '#') {
            url.fragment = '';
            state = 'fragment';
          }
        } else buffer += c;
        break;
      case 'fragment':
        if (!eof) url.fragment += percentEncode(c, fragmentSet);
        break;
    }
    if (p >= cps.length) break;
  }
  return url;
}

/** The URL serializer (section 4.5). */
export function serializeUrl(url: UrlRecord, excludeFragment = false): string {
  let out = url.scheme + ':';
  if (url.host !== null) {
    out += '//';
    if (includesCredentials(url)) {
      out += url.username;
      if (url.password !== '') out += ':' + url.password;
      out += '@';
    }
    out += url.host;
    if (url.port !== null) out += ':' + url.port;
  } else if (!hasOpaquePath(url) && url.path.length > 1 && url.path[0] === '') out += '/.';
  out += serializePath(url);
  if (url.query !== null) out += '?' + url.query;
  if (!excludeFragment && url.fragment !== null) out += '#' + url.fragment;
  return out;
}

export const serializePath = (url: UrlRecord): string =>
  typeof url.path === 'string' ? url.path : url.path.map((segment) => '/' + segment).join('');

/** The origin's serialization (HTML's "ASCII serialization of an origin"), 'null' for opaque origins. */
export function serializeOrigin(url: UrlRecord): string {
  if (url.scheme === 'blob') {
    const inner = basicParse(serializePath(url), null);
    return inner && (inner.scheme === 'http' || inner.scheme === 'https') ? serializeOrigin(inner) : 'null';
  }
  if (!isSpecialScheme(url.scheme) || url.scheme === 'file') return 'null';
  return `${url.scheme}://${url.host}${url.port === null ? '' : ':' + url.port}`;
}
