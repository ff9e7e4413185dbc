import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // --expose-gc lets the leak test force the FinalizationRegistry safety net to run.
    pool: 'forks',
    execArgv: ['--expose-gc'],
    testTimeout: 60_000,
  },
});
