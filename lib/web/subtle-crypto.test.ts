// crypto.subtle of lib/web: the FIPS 180-4 and RFC 4231 vectors, the same
// results as Node's webcrypto for random inputs, and the DOMExceptions
// WebCrypto names for misuse (compared with Node's by name).
import { createHash, createHmac, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { setNativePrimitives } from '../tls/crypto-slot.ts';
import { CryptoKey, hashBackend, subtle } from './subtle-crypto.ts';
import { cryptoVectorFailures } from './testdata/crypto-vectors.ts';

const nodeSubtle = webcrypto.subtle;
const random = (n: number): Uint8Array => webcrypto.getRandomValues(new Uint8Array(n));
const errorName = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (err: unknown) => (err as Error).name,
  );

describe('crypto.subtle', () => {
  it('passes every FIPS 180-4 digest and RFC 4231 HMAC vector', async () => {
    const { total, failures } = await cryptoVectorFailures(subtle as never);
    expect(failures).toEqual([]);
    expect(total).toBe(12 + 21);
  });

  it("digests and signs as Node's webcrypto does, for inputs across the block sizes", async () => {
    for (const size of [0, 1, 55, 56, 63, 64, 111, 112, 127, 128, 129, 1000, 40000]) {
      const data = random(size);
      for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
        expect(new Uint8Array(await subtle.digest(hash, data))).toEqual(new Uint8Array(await nodeSubtle.digest(hash, data)));
        const secret = random(1 + (size % 200));
        const ours = await subtle.importKey('raw', secret, { name: 'HMAC', hash }, true, ['sign', 'verify']);
        const node = await nodeSubtle.importKey('raw', secret, { name: 'HMAC', hash }, true, ['sign', 'verify']);
        const signature = await subtle.sign({ name: 'hmac' }, ours, data);
        expect(new Uint8Array(signature)).toEqual(new Uint8Array(await nodeSubtle.sign('HMAC', node, data)));
        expect(await nodeSubtle.verify('HMAC', node, signature, data)).toBe(true);
        expect(ours.algorithm).toEqual(node.algorithm);
        expect(new Uint8Array(await subtle.exportKey('raw', ours))).toEqual(secret);
      }
    }
  });

  it('verify says false for a changed signature or message; a generated key works both ways', async () => {
    const key = await subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
    expect(key.algorithm).toEqual({ name: 'HMAC', hash: { name: 'SHA-256' }, length: 512 });
    const data = new TextEncoder().encode('message');
    const signature = new Uint8Array(await subtle.sign('HMAC', key, data));
    expect(await subtle.verify('HMAC', key, signature, data)).toBe(true);
    signature[0]! ^= 1;
    expect(await subtle.verify('HMAC', key, signature, data)).toBe(false);
    expect(await subtle.verify('HMAC', key, signature.subarray(1), data)).toBe(false);
    const node = await nodeSubtle.importKey('raw', await subtle.exportKey('raw', key), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    expect(await nodeSubtle.verify('HMAC', node, await subtle.sign('HMAC', key, data), data)).toBe(true);
  });

  it("fails with the DOMException names Node's webcrypto gives", async () => {
    const secret = random(32);
    const make = (s: typeof nodeSubtle, extractable: boolean, usages: ('sign' | 'verify')[]) =>
      s.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, extractable, usages);
    const cases: [string, (s: typeof nodeSubtle) => Promise<unknown>][] = [
      ['digest MD5', (s) => s.digest('MD5', secret)],
      ['digest without a name', (s) => s.digest({} as never, secret)],
      ['import HMAC to encrypt', (s) => s.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['encrypt'])],
      ['import HMAC without usages', (s) => s.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [])],
      ['import HMAC with an unknown hash', (s) => s.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-3' }, false, ['sign'])],
      ['import an empty HMAC key', (s) => s.importKey('raw', new Uint8Array(0), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])],
      ['import with a length too long', (s) => s.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256', length: 512 }, false, ['sign'])],
      ['sign with a verify-only key', async (s) => s.sign('HMAC', await make(s, false, ['verify']), secret)],
    ];
    for (const [what, run] of cases) {
      expect([what, await errorName(run(subtle as never))]).toEqual([what, await errorName(run(nodeSubtle))]);
    }
    // What Node has and this does not: NotSupportedError, as for any algorithm not implemented.
    expect(await errorName(subtle.importKey('raw', secret, 'AES-GCM', false, ['encrypt'] as never))).toBe('NotSupportedError');
    expect(await errorName(subtle.encrypt())).toBe('NotSupportedError');
    expect(await errorName(subtle.sign({ name: 'ECDSA' }, (await make(subtle as never, false, ['sign'])) as never, secret))).toBe('NotSupportedError');
    // Node 20 names this InvalidAccessException, a name WebCrypto does not have.
    expect(await errorName(subtle.exportKey('raw', await make(subtle as never, false, ['sign']) as never))).toBe('InvalidAccessError');
    // Node 20 rejects this with a plain Error; WebCrypto's HMAC import names NotSupportedError.
    expect(await errorName(subtle.importKey('spki', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']))).toBe('NotSupportedError');
    expect(() => new (CryptoKey as unknown as new () => CryptoKey)()).toThrow(TypeError);
  });

  // Last: it registers native primitives for the rest of this file.
  it("runs SHA-2 and HMAC in the platform's native primitives once registered (images: mbedtls), SHA-1 still in @noble", async () => {
    expect(['SHA-1', 'SHA-256'].map((h) => hashBackend(h as 'SHA-1'))).toEqual(['@noble', '@noble']);
    const calls: string[] = [];
    setNativePrimitives({
      name: 'node:crypto',
      curves: null,
      rsa: null,
      aead: () => false,
      hash: (algorithm, data) => (calls.push(`hash ${algorithm}`), new Uint8Array(createHash(algorithm).update(data).digest())),
      hmac: (algorithm, key, data) => (calls.push(`hmac ${algorithm}`), new Uint8Array(createHmac(algorithm, key).update(data).digest())),
    });
    expect(['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'].map((h) => hashBackend(h as 'SHA-1'))).toEqual(['@noble', 'node:crypto', 'node:crypto', 'node:crypto']);
    const { failures } = await cryptoVectorFailures(subtle as never);
    expect(failures).toEqual([]);
    expect(calls).toContain('hash sha512');
    expect(calls).toContain('hmac sha384');
    expect(calls.some((c) => c.includes('sha1'))).toBe(false);
  });
});
