import { defineConfig } from 'vitest/config';

// Unit tests live beside the code they test (lib/**, drivers/**, cli/**);
// contract and integration suites live in test/.
export default defineConfig({
  test: {
    include: ['{lib,drivers,cli,examples,runtime,test,bench}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'build/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
