/**
 * The example's static files, compiled into the app (an image has no file
 * system). Each gets an ETag from its bytes, so browsers and curl can
 * revalidate with If-None-Match and get 304.
 */
import { encodeUtf8 } from '../../lib/text/utf8.ts';

export interface Asset {
  type: string;
  bytes: Uint8Array;
  etag: string;
}

const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">
  <title>Kiln</title>
  <path d="M16 88 V40 Q48 4 80 40 V88 Z" fill="#7a3b1d"/>
  <path d="M30 88 V54 Q48 34 66 54 V88 Z" fill="#f2a541"/>
  <path d="M40 88 Q40 70 48 62 Q56 70 56 88 Z" fill="#ffe08a"/>
</svg>
`;

/** FNV-1a, 32 bits: a cheap fingerprint for an ETag (not a security measure). */
function fingerprint(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

function asset(type: string, text: string): Asset {
  const bytes = encodeUtf8(text);
  return { type, bytes, etag: `"${fingerprint(bytes)}-${bytes.length}"` };
}

export const ASSETS: ReadonlyMap<string, Asset> = new Map([['/static/kiln.svg', asset('image/svg+xml', LOGO_SVG)]]);
