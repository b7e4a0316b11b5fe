/** The key-value store on a Block (README.md): format, open, check. The signature is lib/devices/kv.ts. */
export { findSectorSize, formatLogStore, isBlank, LogStore, type CheckReport, type FormatOptions, type LogStoreOptions } from './log-store.ts';
export { MAX_KEY_BYTES, normalKey } from './namespace.ts';
export { FORMAT_VERSION } from './format.ts';
