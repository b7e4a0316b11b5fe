/** crypto.randomUUID (Web Crypto section 10.1.3): a version 4 UUID (RFC 9562 section 5.4) from the platform's random bytes. */

export function randomUUID(getRandomValues: (array: Uint8Array) => Uint8Array): `${string}-${string}-${string}-${string}-${string}` {
  const bytes = getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
