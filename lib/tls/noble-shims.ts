/**
 * ES2022 built-ins that @noble uses and QuickJS 2021-03-27 (the image's
 * engine) lacks. Imported by noble-crypto.ts before @noble itself, so they
 * exist when @noble's modules are evaluated. Each is defined only where
 * missing, as the standard specifies it.
 */
const objectWithHasOwn = Object as ObjectConstructor & { hasOwn?: (o: object, key: PropertyKey) => boolean };
if (typeof objectWithHasOwn.hasOwn !== 'function') {
  Object.defineProperty(Object, 'hasOwn', {
    value: (o: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(Object(o), key),
    writable: true,
    configurable: true,
  });
}
export {};
