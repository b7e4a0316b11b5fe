#!/usr/bin/env node
// node bench/slow-attack.js [--quick]: the slow-attack benchmark and soak (TypeScript in bench/slow-attack/run.ts).
import { join } from 'node:path';
import { repoRoot, runTs } from '../cli/run-ts.js';

await runTs(join(repoRoot, 'bench', 'slow-attack', 'run.ts'), process.argv.slice(2));
