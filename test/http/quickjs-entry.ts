/**
 * Runs the framework-free HTTP suites inside a bare QuickJS engine (bundled by
 * test/http/quickjs.test.ts): no Node, no TextEncoder, no timers, as in an
 * image. Reports each case through the host function `report(name, error)`.
 */
import { strictParsingCases } from './strict-parsing.suite.ts';

declare function report(name: string, error: string): void;
declare function finished(): void;

void (async () => {
  for (const c of strictParsingCases()) {
    try {
      await c.run();
      report(c.name, '');
    } catch (err) {
      report(c.name, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
  }
  finished();
})();
