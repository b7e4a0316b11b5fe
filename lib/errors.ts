/**
 * Typed errors. Every device operation that can fail rejects (or throws) an
 * instance of a subclass of `KilnError` whose `code` is a string literal union,
 * so callers can `switch (err.code)` with exhaustiveness checking instead of
 * matching message strings.
 */
export class KilnError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `err` is a KilnError subclass instance with the given code. */
export function hasCode<C extends string>(err: unknown, code: C): err is KilnError<C> {
  return err instanceof KilnError && err.code === code;
}

/**
 * Whether `err` is an allocation failure: QuickJS's `InternalError: out of
 * memory` in an image, or the `null` QuickJS throws when even that error
 * could not be allocated; a failed ArrayBuffer allocation on Node.
 */
export function isOutOfMemory(err: unknown): boolean {
  if (err === null) return true;
  if (!(err instanceof Error)) return false;
  if (err.name === 'InternalError') return err.message === 'out of memory';
  return err instanceof RangeError && /allocation failed/i.test(err.message);
}
