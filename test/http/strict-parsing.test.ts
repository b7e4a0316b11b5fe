import { runContract } from '../contract/vitest-adapter.ts';
import { strictParsingCases } from './strict-parsing.suite.ts';

runContract('HTTP server: strict parsing, smuggling vectors and limits', strictParsingCases);
