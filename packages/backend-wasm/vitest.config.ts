import { defineConfig } from 'vitest/config';
import { relaxedSimdSupported } from './src/simd.js';

// Two projects, so `pnpm test` runs the suite on both kernel modules: the baseline tests in
// this process's Node, and test/relaxed/ (conformance on the relaxed-SIMD build, the module
// choice) in forks with relaxed SIMD on. Node 22+ has it by default; Node 20 needs the flag.
const relaxedArgv = relaxedSimdSupported() ? [] : ['--experimental-wasm-relaxed-simd'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'baseline',
          include: ['test/**/*.test.ts'],
          exclude: ['test/relaxed/**'],
        },
      },
      {
        test: {
          name: 'relaxed',
          include: ['test/relaxed/**/*.test.ts'],
          pool: 'forks',
          execArgv: relaxedArgv,
        },
      },
    ],
  },
});
