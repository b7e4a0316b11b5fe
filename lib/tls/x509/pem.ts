/** PEM (RFC 7468): labelled base64 blocks, decoded without the platform (QuickJS has no atob). */

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/[\s]/g, '');
  const body = clean.replace(/=+$/, '');
  if (clean.length % 4 !== 0 || clean.length - body.length > 2) throw new Error('bad base64 length');
  const out = new Uint8Array(Math.floor((body.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const c of body) {
    const v = VALUES.get(c);
    if (v === undefined) throw new Error(`bad base64 character ${JSON.stringify(c)}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Every PEM block in `text`, in order. */
export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // Encapsulated headers (RFC 1421 "Proc-Type:") mean an encrypted key, which is not supported.
    if (m[2]!.includes(':')) throw new Error(`PEM block ${m[1]} has headers (encrypted keys are not supported)`);
    blocks.push({ label: m[1]!, der: decodeBase64(m[2]!) });
  }
  return blocks;
}
