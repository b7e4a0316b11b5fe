/**
 * Runs crypto-vectors.json (FIPS 180-4 digests, RFC 4231 HMACs) against a
 * SubtleCrypto: under Node (subtle-crypto.test.ts) and inside an image
 * (test/images/web-app.ts). Returns each failing case's description.
 */
import vectors from './crypto-vectors.json';

interface Subtle {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
  importKey(format: 'raw', key: Uint8Array, algorithm: { name: 'HMAC'; hash: string }, extractable: boolean, usages: ('sign' | 'verify')[]): Promise<unknown>;
  sign(algorithm: 'HMAC', key: never, data: Uint8Array): Promise<ArrayBuffer>;
  verify(algorithm: 'HMAC', key: never, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

const hex = (buffer: ArrayBuffer): string => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
const bytes = (text: string): Uint8Array => new Uint8Array((text.match(/../g) ?? []).map((h) => parseInt(h, 16)));

export async function cryptoVectorFailures(subtle: Subtle): Promise<{ total: number; failures: string[] }> {
  const failures: string[] = [];
  let total = 0;
  for (const v of vectors.digest) {
    total++;
    const got = hex(await subtle.digest(v.algorithm, new TextEncoder().encode(v.message)));
    if (got !== v.hex) failures.push(`digest ${v.algorithm} ${JSON.stringify(v.message)}: ${got}`);
  }
  for (const v of vectors.hmac) {
    for (const hash of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
      total++;
      const key = (await subtle.importKey('raw', bytes(v.key), { name: 'HMAC', hash }, false, ['sign', 'verify'])) as never;
      const mac = await subtle.sign('HMAC', key, bytes(v.data));
      const expected = v[hash];
      const got = hex(mac).slice(0, expected.length);
      const verified = await subtle.verify('HMAC', key, new Uint8Array(mac), bytes(v.data));
      if (got !== expected || !verified) failures.push(`RFC 4231 case ${v.testCase} HMAC-${hash}: ${got} verified=${verified}`);
    }
  }
  return { total, failures };
}
