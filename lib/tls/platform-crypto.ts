/**
 * The crypto provider for this platform: the one its boot registered
 * (node:crypto on unix), else @noble (images). Only apps that use TLS
 * import this, so only they carry @noble.
 */
import type { CryptoProvider } from './crypto-provider.ts';
import { registeredCrypto } from './crypto-slot.ts';
import { nobleCryptoProvider } from './noble-crypto.ts';

export function platformCrypto(): CryptoProvider {
  return registeredCrypto() ?? nobleCryptoProvider;
}
