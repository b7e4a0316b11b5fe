/**
 * Runs the framework-free HTTP suite inside a bare QuickJS engine (bundled by
 * test/http/quickjs.test.ts): no Node, no TextEncoder, no timers, as in an
 * image. Reports through two host functions.
 */
import { runCases, strictParsingCases } from './strict-parsing.suite.ts';

declare function report(line: string): void;
declare function finished(failed: number): void;

void runCases(strictParsingCases(), report).then(finished);
