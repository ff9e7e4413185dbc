import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the page when dist is stale, then drives Chromium through every backend.
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
