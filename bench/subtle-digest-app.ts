/**
 * crypto.subtle's two hash backends in one image: @noble/hashes (JavaScript
 * under QuickJS) against the runtime's mbedtls bindings (C), for what
 * lib/web/subtle-crypto.ts chooses between. Prints milliseconds per
 * operation. The image must be linked with the bindings (it is wherever
 * libmbedcrypto is installed for the architecture):
 *   npx kiln build bench/subtle-digest-app.ts --target hvt -o /tmp/digest.hvt
 *   flock /tmp/kiln-bench.lock build/x86_64/kiln-hvt --mem=32 /tmp/digest.hvt
 */
import '../lib/tls/noble-shims.ts';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bindings } from '../drivers/solo5/bindings.ts';
import { defineApp } from '../lib/index.ts';

export default defineApp({
  name: 'digest-bench',
  devices: {},
  async start({ console }) {
    const { digest, hmac: nativeHmac } = bindings();
    if (!digest || !nativeHmac) {
      console.write('digest-bench: this image has no mbedtls bindings (libmbedcrypto not installed for its architecture)');
      return 1;
    }
    const mebibyte = new Uint8Array(1 << 20).fill(7);
    const message = new Uint8Array(64).fill(1);
    const key = new Uint8Array(32).fill(2);
    const time = (label: string, n: number, run: () => unknown): void => {
      const started = performance.now();
      for (let i = 0; i < n; i++) run();
      console.write(`${label}: ${((performance.now() - started) / n).toFixed(3)} ms per op`);
    };
    time('@noble  SHA-256 of 1 MiB', 5, () => sha256(mebibyte));
    time('mbedtls SHA-256 of 1 MiB', 5, () => digest(0, mebibyte, new Uint8Array(32)));
    time('@noble  SHA-512 of 1 MiB', 3, () => sha512(mebibyte));
    time('mbedtls SHA-512 of 1 MiB', 5, () => digest(2, mebibyte, new Uint8Array(64)));
    time('@noble  HMAC-SHA-256 of 64 B', 2000, () => hmac(sha256, key, message));
    time('mbedtls HMAC-SHA-256 of 64 B', 2000, () => nativeHmac(0, key, message, new Uint8Array(32)));
    return 0;
  },
});
