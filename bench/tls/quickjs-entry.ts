/**
 * The probe under the image's QuickJS: @noble alone, or with the runtime's
 * mbedtls bindings for records and hashes when the binary was linked with
 * them (--crypto). Random from crypto.getRandomValues (the runtime's
 * ChaCha20 generator).
 */
import { nobleCryptoProvider } from '../../lib/tls/noble-crypto.ts';
import { setNativePrimitives } from '../../lib/tls/crypto-slot.ts';
import { platformCrypto } from '../../lib/tls/platform-crypto.ts';
import { nativeCrypto } from '../../drivers/solo5/tls-crypto.ts';
import type { KilnBindings } from '../../drivers/solo5/bindings.ts';
import { probe } from './crypto-probe.ts';

declare const PROBE_PEM: { root: string; chain: string; key: string; scale: number };
declare const crypto: { getRandomValues(b: Uint8Array): Uint8Array };
declare const __kiln: KilnBindings;

const native = nativeCrypto(__kiln);
if (native) setNativePrimitives(native);
const result = probe({
  provider: native ? platformCrypto() : nobleCryptoProvider,
  random: { fill: (b) => void crypto.getRandomValues(b) },
  rootPem: PROBE_PEM.root,
  chainPem: PROBE_PEM.chain,
  keyPem: PROBE_PEM.key,
  scale: PROBE_PEM.scale,
});
console.log(JSON.stringify(result));
