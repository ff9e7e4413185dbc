import { defineConfig } from 'vitest/config';

// Installs, builds and browsers: minutes, not milliseconds. One file at a time, since the
// machine's cores are what the wasm threads and the bundlers compete for.
export default defineConfig({
  test: {
    globalSetup: ['test/setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
