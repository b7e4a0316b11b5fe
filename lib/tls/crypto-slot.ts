/**
 * Where a platform puts the crypto provider it prefers (the unix platform:
 * node:crypto). Kept apart from platform-crypto.ts so that registering pulls
 * in no provider code.
 */
import type { CryptoProvider } from './crypto-provider.ts';

let registered: CryptoProvider | null = null;

export function setPlatformCrypto(provider: CryptoProvider): void {
  registered = provider;
}

export function registeredCrypto(): CryptoProvider | null {
  return registered;
}
