/**
 * `at()` on strings, arrays and typed arrays (ES2022 relative indexing),
 * which the image's QuickJS lacks and npm code (Hono's router) calls.
 */
function at(this: { length: number; [index: number]: unknown }, index: number): unknown {
  const n = Math.trunc(index) || 0;
  const k = n < 0 ? this.length + n : n;
  return k < 0 || k >= this.length ? undefined : this[k];
}

const TypedArray = Object.getPrototypeOf(Uint8Array.prototype) as object;
for (const proto of [String.prototype, Array.prototype, TypedArray]) {
  if (!('at' in proto)) Object.defineProperty(proto, 'at', { value: at, writable: true, configurable: true });
}
