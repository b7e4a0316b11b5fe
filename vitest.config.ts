import { defineConfig } from 'vitest/config';

// Unit tests live beside the code they test (lib/**, drivers/**, cli/**, machine/**);
// contract and integration suites live in test/.
export default defineConfig({
  test: {
    include: ['{lib,drivers,cli,machine,examples,runtime,test,bench}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'build/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // In CI, one test file at a time: the image tests each run an emulated
    // machine, and two at once on a 2-core runner starve vitest's own workers.
    fileParallelism: !process.env.CI,
  },
});
