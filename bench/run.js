#!/usr/bin/env node
// npm run bench: the benchmark suite (TypeScript in bench/run.ts).
import { join } from 'node:path';
import { repoRoot, runTs } from '../cli/run-ts.js';

await runTs(join(repoRoot, 'bench', 'run.ts'), process.argv.slice(2));
