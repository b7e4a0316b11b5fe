/**
 * Bundled into a hosted image linked with the runtime's mbedtls bindings
 * (--crypto): runs the provider vectors with lib/tls's image provider
 * (@noble plus the native primitives) under QuickJS, and checks it against
 * @noble alone, and RSA against OpenSSL's signatures; prints one line per
 * check, an RSA-PSS signature of its own, then the provider's name.
 */
import { setNativePrimitives } from '../../lib/tls/crypto-slot.ts';
import { platformCrypto } from '../../lib/tls/platform-crypto.ts';
import { nativeCrypto } from '../../drivers/solo5/tls-crypto.ts';
import type { KilnBindings } from '../../drivers/solo5/bindings.ts';
import { nobleCryptoProvider } from '../../lib/tls/noble-crypto.ts';
import { VECTOR_CHECKS, crossChecks, rsaChecks, rsaInputs, toHex, type RsaVectors } from './provider-vectors.ts';

declare const __kiln: KilnBindings;
/** Defined by the bundler: an RSA key and OpenSSL's signatures (rsa-vectors.ts). */
declare const RSA_VECTORS: RsaVectors;

const native = nativeCrypto(__kiln);
if (native) setNativePrimitives(native);
const provider = platformCrypto();
for (const check of [...VECTOR_CHECKS, ...crossChecks(nobleCryptoProvider), ...rsaChecks(RSA_VECTORS)]) {
  try {
    check.run(provider);
    console.log(`PASS ${check.name}`);
  } catch (err) {
    console.log(`FAIL ${check.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
// For the host to verify with OpenSSL.
const { key, data } = rsaInputs(RSA_VECTORS);
console.log(`RSA-SIGNATURE ${toHex(provider.sign('rsa-pss-sha256', key, data))}`);
console.log(`provider ${provider.name}`);
