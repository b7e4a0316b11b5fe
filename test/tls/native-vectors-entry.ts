/**
 * Bundled into a hosted image linked with the runtime's mbedtls bindings
 * (--crypto): runs the provider vectors with lib/tls's image provider
 * (@noble plus the native primitives) under QuickJS, and checks it against
 * @noble alone; prints one line per check, then the provider's name.
 */
import { setNativePrimitives } from '../../lib/tls/crypto-slot.ts';
import { platformCrypto } from '../../lib/tls/platform-crypto.ts';
import { nativeCrypto } from '../../drivers/solo5/tls-crypto.ts';
import type { KilnBindings } from '../../drivers/solo5/bindings.ts';
import { nobleCryptoProvider } from '../../lib/tls/noble-crypto.ts';
import { VECTOR_CHECKS, crossChecks } from './provider-vectors.ts';

declare const __kiln: KilnBindings;

const native = nativeCrypto(__kiln);
if (native) setNativePrimitives(native);
const provider = platformCrypto();
for (const check of [...VECTOR_CHECKS, ...crossChecks(nobleCryptoProvider)]) {
  try {
    check.run(provider);
    console.log(`PASS ${check.name}`);
  } catch (err) {
    console.log(`FAIL ${check.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
console.log(`provider ${provider.name}`);
