/** Character classes of HTTP's grammar (RFC 9110 section 5.6, RFC 9112). */

const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** token = 1*tchar */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || TCHAR[c] !== 1) return false;
  }
  return true;
}

/**
 * field-value = *field-content: VCHAR, obs-text, SP and HTAB; no CR, LF or
 * NUL (RFC 9110 section 5.5). Leading and trailing whitespace is not part of
 * the value; callers trim before checking.
 */
export function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || (c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** request-target characters: visible ASCII only (RFC 9112 section 3.2; no spaces, no controls). */
export function isRequestTarget(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
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
