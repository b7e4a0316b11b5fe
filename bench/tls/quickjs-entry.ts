/** The probe under the image's QuickJS: @noble provider, Random from crypto.getRandomValues (the runtime's ChaCha20 generator). */
import { nobleCryptoProvider } from '../../lib/tls/noble-crypto.ts';
import { probe } from './crypto-probe.ts';

declare const PROBE_PEM: { root: string; chain: string; key: string; scale: number };
declare const crypto: { getRandomValues(b: Uint8Array): Uint8Array };

const result = probe({
  provider: nobleCryptoProvider,
  random: { fill: (b) => void crypto.getRandomValues(b) },
  rootPem: PROBE_PEM.root,
  chainPem: PROBE_PEM.chain,
  keyPem: PROBE_PEM.key,
  scale: PROBE_PEM.scale,
});
console.log(JSON.stringify(result));
