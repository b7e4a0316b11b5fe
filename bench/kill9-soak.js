#!/usr/bin/env node
// npm run soak:kv: the kv store's kill -9 soak (TypeScript in bench/kill9-soak.ts).
import { join } from 'node:path';
import { repoRoot, runTs } from '../cli/run-ts.js';

await runTs(join(repoRoot, 'bench', 'kill9-soak.ts'), process.argv.slice(2));
