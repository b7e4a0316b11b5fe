/**
 * The check most C test image cases end with, for test files (it uses
 * vitest's expect; cases.ts stays free of it, benchmarks use it too).
 */
import { expect } from 'vitest';
import type { KvmCaseResult } from './cases.ts';

/** The case printed each of `lines` and the C test image's closing SUCCESS, and exited 0. */
export function expectPassed(r: KvmCaseResult, ...lines: string[]): void {
  for (const line of lines) expect(r.output).toContain(line);
  expect(r.output).toContain('SUCCESS');
  expect(r.status).toBe(0);
}
