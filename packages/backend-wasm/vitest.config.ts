import { defineConfig } from 'vitest/config';
import { relaxedSimdSupported } from './src/simd.js';

// Two projects, so `pnpm test` runs the suite on both kernel modules: the baseline tests in
// this process's Node, and test/relaxed/ (conformance on the relaxed-SIMD build, the module
// choice) in forks with relaxed SIMD on. Node 22+ has it by default; Node 20 needs the flag.
const relaxedArgv = relaxedSimdSupported() ? [] : ['--experimental-wasm-relaxed-simd'];

// Both: the conformance suite's no-tidy memory test forces GC to run FinalizationRegistry
// callbacks (without --expose-gc it runs in a child process instead).
const shared = { testTimeout: 120_000, pool: 'forks' as const, execArgv: ['--expose-gc'] };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'baseline',
          include: ['test/**/*.test.ts'],
          exclude: ['test/relaxed/**'],
        },
      },
      {
        test: {
          ...shared,
          name: 'relaxed',
          include: ['test/relaxed/**/*.test.ts'],
          execArgv: [...shared.execArgv, ...relaxedArgv],
        },
      },
    ],
  },
});
