#!/usr/bin/env node
// The `kiln` command (TypeScript in cli/main.ts, compiled on the fly).
import { join } from 'node:path';
import { repoRoot, runTs } from './run-ts.js';

await runTs(join(repoRoot, 'cli', 'main.ts'), process.argv.slice(2));
