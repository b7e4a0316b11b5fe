/**
 * Contract suites are written once and run against every implementation of a
 * signature: under vitest on Node (unix and in-memory implementations), and
 * inside unikernel images (the solo5 drivers), where vitest cannot run. So a
 * suite is plain data: a list of named async checks using the assertions
 * below, with no dependency on a test framework.
 */
import { KilnError } from '../../lib/errors.ts';

export interface ContractCase {
  name: string;
  run(): Promise<void>;
}

export class ContractFailure extends Error {}

/** Two devices of one kind joined to each other (a wire, a network), on one clock. */
export interface DevicePair<T> {
  a: T;
  b: T;
  /** Lets `ms` of the pair's clock pass (a real wait, or advancing a virtual clock), so what was sent can arrive. */
  pass(ms: number): Promise<void>;
  /** Closes both devices and whatever joins them. */
  close(): Promise<void>;
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractFailure(message);
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) {
    throw new ContractFailure(`${what}: expected ${String(expected)}, got ${String(actual)}`);
  }
}

export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assertEqual(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new ContractFailure(`${what}: byte ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/**
 * A case's run: `body` on what `open` gives, which is closed afterwards
 * whatever happened, then `cleanup` (removing what the subject made for it).
 */
export function using<T extends { close(): Promise<void> }>(
  open: () => Promise<T>,
  body: (opened: T) => Promise<void>,
  cleanup: () => Promise<void> = async () => {},
): () => Promise<void> {
  return async () => {
    const opened = await open();
    try {
      await body(opened);
    } finally {
      await opened.close();
      await cleanup();
    }
  };
}

/** Awaits `promise` and checks that it rejects with a KilnError of class `type` and the given code. */
export async function assertRejectsWith(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => KilnError,
  code: string,
  what: string,
): Promise<void> {
  try {
    await promise;
  } catch (err) {
    assert(err instanceof type, `${what}: rejected with ${String(err)}, expected a ${type.name}`);
    assertEqual((err as KilnError).code, code, `${what}: error code`);
    return;
  }
  throw new ContractFailure(`${what}: resolved, expected ${type.name}('${code}')`);
}
