/** The URL class (WHATWG URL section 6.1) over the basic URL parser. */
import { userinfoSet, percentEncode } from './percent-encode.ts';
import {
  basicParse,
  cannotHaveUsernamePasswordPort,
  hasOpaquePath,
  serializeOrigin,
  serializePath,
  serializeUrl,
  type UrlRecord,
} from './url-parser.ts';
import { URLSearchParams, toUsv } from './url-search-params.ts';

function parseWithBase(url: unknown, base: unknown): UrlRecord | null {
  let baseRecord: UrlRecord | null = null;
  if (base !== undefined) {
    baseRecord = basicParse(toUsv(base), null);
    if (!baseRecord) return null;
  }
  return basicParse(toUsv(url), baseRecord);
}

/** An opaque path loses trailing spaces once nothing follows it. */
function stripTrailingSpacesFromOpaquePath(url: UrlRecord): void {
  if (!hasOpaquePath(url) || url.fragment !== null || url.query !== null) return;
  url.path = url.path.replace(/ +$/, '');
}

export class URL {
  #url: UrlRecord;
  #searchParams = new URLSearchParams();

  constructor(url: string | URL, base?: string | URL) {
    const record = parseWithBase(url, base);
    if (!record) throw new TypeError(`Invalid URL: ${String(url)}`);
    this.#url = record;
    URLSearchParams.attach(this.#searchParams, record.query, (query) => {
      this.#url.query = query;
      if (query === null) stripTrailingSpacesFromOpaquePath(this.#url);
    });
  }

  static parse(url: string | URL, base?: string | URL): URL | null {
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  }

  static canParse(url: string | URL, base?: string | URL): boolean {
    return parseWithBase(url, base) !== null;
  }

  get href(): string {
    return serializeUrl(this.#url);
  }
  set href(value: string) {
    const record = basicParse(toUsv(value), null);
    if (!record) throw new TypeError(`Invalid URL: ${value}`);
    this.#url = record;
    URLSearchParams.reset(this.#searchParams, record.query);
  }

  get origin(): string {
    return serializeOrigin(this.#url);
  }

  get protocol(): string {
    return this.#url.scheme + ':';
  }
  set protocol(value: string) {
    basicParse(toUsv(value) + ':', null, this.#url, 'scheme start');
  }

  get username(): string {
    return this.#url.username;
  }
  set username(value: string) {
    if (cannotHaveUsernamePasswordPort(this.#url)) return;
    this.#url.username = percentEncode(toUsv(value), userinfoSet);
  }

  get password(): string {
    return this.#url.password;
  }
  set password(value: string) {
    if (cannotHaveUsernamePasswordPort(this.#url)) return;
    this.#url.password = percentEncode(toUsv(value), userinfoSet);
  }

  get host(): string {
    const { host, port } = this.#url;
    if (host === null) return '';
    return port === null ? host : `${host}:${port}`;
  }
  set host(value: string) {
    if (hasOpaquePath(this.#url)) return;
    this.#setPart(toUsv(value), 'host');
  }

  get hostname(): string {
    return this.#url.host ?? '';
  }
  set hostname(value: string) {
    if (hasOpaquePath(this.#url)) return;
    this.#setPart(toUsv(value), 'hostname');
  }

  get port(): string {
    return this.#url.port === null ? '' : String(this.#url.port);
  }
  set port(value: string) {
    if (cannotHaveUsernamePasswordPort(this.#url)) return;
    value = toUsv(value);
    if (value === '') this.#url.port = null;
    else this.#setPart(value, 'port');
  }

  get pathname(): string {
    return serializePath(this.#url);
  }
  set pathname(value: string) {
    if (hasOpaquePath(this.#url)) return;
    this.#url.path = [];
    this.#setPart(toUsv(value), 'path start');
  }

  get search(): string {
    const { query } = this.#url;
    return query === null || query === '' ? '' : '?' + query;
  }
  set search(value: string) {
    value = toUsv(value);
    if (value === '') {
      this.#url.query = null;
      URLSearchParams.reset(this.#searchParams, null);
      stripTrailingSpacesFromOpaquePath(this.#url);
      return;
    }
    this.#url.query = '';
    this.#setPart(value.startsWith('?') ? value.slice(1) : value, 'query');
    URLSearchParams.reset(this.#searchParams, this.#url.query);
  }

  get searchParams(): URLSearchParams {
    return this.#searchParams;
  }

  get hash(): string {
    const { fragment } = this.#url;
    return fragment === null || fragment === '' ? '' : '#' + fragment;
  }
  set hash(value: string) {
    value = toUsv(value);
    if (value === '') {
      this.#url.fragment = null;
      stripTrailingSpacesFromOpaquePath(this.#url);
      return;
    }
    this.#url.fragment = '';
    this.#setPart(value.startsWith('#') ? value.slice(1) : value, 'fragment');
  }

  /** The setters run the parser in place from a state (as the standard does: a failure can leave a part set). */
  #setPart(value: string, state: 'host' | 'hostname' | 'port' | 'path start' | 'query' | 'fragment'): void {
    basicParse(value, null, this.#url, state);
  }

  toString(): string {
    return this.href;
  }

  toJSON(): string {
    return this.href;
  }

  get [Symbol.toStringTag](): string {
    return 'URL';
  }
}
