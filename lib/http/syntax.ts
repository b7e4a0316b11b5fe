/** Character classes of HTTP's grammar (RFC 9110 section 5.6, RFC 9112). */

// Regular expressions rather than character loops: in QuickJS a regex runs in
// C, about fifty times faster than an interpreted loop over a header value.
// Still, a regex run was among the costliest steps of a small request, and
// most requests and responses carry the same few names and values: each class
// remembers strings it has matched (bounded, emptied when full). Only strings
// that matched go in, so a hit answers exactly as the regex would.

class MatchMemo {
  private readonly matched = new Set<string>();

  constructor(private readonly pattern: RegExp) {}

  test(text: string): boolean {
    if (this.matched.has(text)) return true;
    if (!this.pattern.test(text)) return false;
    if (text.length <= MEMO_MAX_CHARS) {
      if (this.matched.size >= MEMO_ENTRIES) this.matched.clear();
      this.matched.add(text);
    }
    return true;
  }
}

const MEMO_ENTRIES = 512;
/** Longer strings (cookies, one-off tokens) are matched each time rather than remembered. */
const MEMO_MAX_CHARS = 128;

/** token = 1*tchar */
const TOKEN = new MatchMemo(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);

/** VCHAR, obs-text, SP and HTAB (RFC 9110 section 5.5). */
const FIELD_VALUE = new MatchMemo(/^[\t\x20-\x7e\x80-\xff]*$/);

/** Visible ASCII (RFC 9112 section 3.2: no spaces, no controls). */
const REQUEST_TARGET = new MatchMemo(/^[\x21-\x7e]+$/);

/** Host = uri-host [ ":" port ] (RFC 9110 section 7.2): a reg-name or IPv4 address, or an IP literal in brackets. */
const HOST = new MatchMemo(/^[A-Za-z0-9._~!$&'()*+,;=%-]*(:\d*)?$|^\[[0-9A-Fa-f:.]+\](:\d*)?$/);

export function isHost(text: string): boolean {
  return HOST.test(text);
}

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/**
 * field-value = *field-content: VCHAR, obs-text, SP and HTAB; no CR, LF or
 * NUL. Leading and trailing whitespace is not part of the value; callers
 * trim before checking.
 */
export function isFieldValue(text: string): boolean {
  return FIELD_VALUE.test(text);
}

export function isRequestTarget(text: string): boolean {
  return REQUEST_TARGET.test(text);
}

/** Removes optional whitespace (SP, HTAB) from both ends. */
export function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x09)) end--;
  return text.slice(start, end);
}

/** Splits a comma-separated list field into its trimmed, non-empty members (RFC 9110 section 5.6.1). */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map(trimOws)
    .filter((m) => m.length > 0);
}

/** Whether a comma-separated list field (absent: null) holds `token`, compared case-insensitively. */
export function hasToken(value: string | null, token: string): boolean {
  if (value === null) return false;
  return splitList(value).some((member) => member.toLowerCase() === token);
}
