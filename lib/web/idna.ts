/**
 * Domain to ASCII (WHATWG URL section 3.5) through UTS #46 processing with
 * the URL Standard's flags (non-transitional, CheckHyphens off, STD3 rules
 * off). The mapping table is approximated by what every JS engine carries:
 * NFKC normalization and lower-casing, plus the ignored code points and the
 * full stops that UTS #46 maps. Not done: the Bidi rule (RFC 5893) and the
 * ContextJ rules (RFC 5892); lib/web/README.md gives the pass rate this buys.
 */
import { punycodeDecode, punycodeEncode } from './punycode.ts';

// UTS #46 "ignored": soft hyphen, combining grapheme joiner, Mongolian
// variation selectors and vowel separator, variation selectors, word joiner,
// zero width no-break space.
const IGNORED = /[\u00ad\u034f\u180b-\u180f\u200b\u2060\ufe00-\ufe0f\ufeff]/gu;
const FULL_STOPS = /[\u3002\uff0e\uff61]/gu;
// Unassigned, private use, surrogate, C1 controls and the specials block's
// replacement characters are disallowed.
const DISALLOWED = /[\p{Cn}\p{Co}\p{Cs}\u0080-\u009f\ufff9-\ufffd]/u;
const LEADING_MARK = /^\p{M}/u;
const ASCII = /^[\x00-\x7f]*$/;

const map = (domain: string) => domain.replace(IGNORED, '').replace(FULL_STOPS, '.').normalize('NFKC').toLowerCase().normalize('NFC');

/** A label after mapping: NFC, already mapped, no leading combining mark, nothing disallowed. */
function labelIsValid(label: string): boolean {
  if (label.normalize('NFC') !== label || map(label) !== label) return false;
  if (LEADING_MARK.test(label) || DISALLOWED.test(label)) return false;
  // Joiners are valid only in contexts (RFC 5892 appendix A) this module does not model.
  return !/[\u200c\u200d]/.test(label);
}

/** The ASCII form of `domain`, or null where UTS #46 processing fails. */
export function domainToAscii(domain: string): string | null {
  if (ASCII.test(domain) && !/(^|\.)xn--/i.test(domain)) return domain.toLowerCase();
  const labels = map(domain).split('.');
  const out: string[] = [];
  for (const label of labels) {
    if (label.startsWith('xn--')) {
      const decoded = punycodeDecode(label.slice(4));
      if (decoded === null || decoded === '' || ASCII.test(decoded) || !labelIsValid(decoded)) return null;
      out.push(label);
    } else if (ASCII.test(label)) {
      out.push(label);
    } else {
      if (!labelIsValid(label)) return null;
      const encoded = punycodeEncode(label);
      if (encoded === null) return null;
      out.push('xn--' + encoded);
    }
  }
  const result = out.join('.');
  return result === '' ? null : result;
}
