/** Runs a contract suite's cases as vitest tests. */
import { describe, it } from 'vitest';
import type { ContractCase } from './harness.ts';

export function runContract(title: string, cases: () => ContractCase[], timeoutMs = 60_000): void {
  describe(title, () => {
    for (const c of cases()) it(c.name, () => c.run(), timeoutMs);
  });
}
