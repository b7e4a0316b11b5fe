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
