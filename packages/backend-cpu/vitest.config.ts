import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // The conformance suite's no-tidy memory test forces GC to run FinalizationRegistry callbacks.
    pool: 'forks',
    execArgv: ['--expose-gc'],
  },
});
