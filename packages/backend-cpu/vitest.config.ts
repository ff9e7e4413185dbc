import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Until @layers/core is built (it is being written alongside this package), resolve it to a
// shim that re-exports the contract and the Philox reference straight from core's sources.
const coreBuilt = existsSync(fileURLToPath(new URL('../core/dist/index.js', import.meta.url)));
const shim = fileURLToPath(new URL('./test/core-shim.ts', import.meta.url));

export default defineConfig({
  resolve: { alias: coreBuilt ? {} : { '@layers/core': shim } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000 },
});
