import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // onnxruntime sessions (native and wasm) are created per case; forks keep their threads apart.
    pool: 'forks',
    testTimeout: 120_000,
  },
});
