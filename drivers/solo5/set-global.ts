/** Defines a global as Web IDL does: writable and configurable, not enumerable. */
export function setGlobal(name: string, value: unknown): void {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}
