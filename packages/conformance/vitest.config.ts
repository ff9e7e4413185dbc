import { defineConfig } from 'vitest/config';

// Unit tests of the suite's own machinery; the suite itself runs from each backend package.
export default defineConfig({ test: { include: ['test/**/*.test.ts'] } });
