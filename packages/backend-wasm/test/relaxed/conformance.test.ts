// The conformance suite on the relaxed-SIMD kernels (the vitest project 'relaxed' runs this
// file with relaxed SIMD enabled). simd: 'relaxed' fails instead of quietly testing the
// baseline build again.
import { createCpuBackend } from '@layers/backend-cpu';
import { describeConformance } from '@layers/conformance';
import { createWasmBackend } from '../../src/index.js';

const backendModule = { specifier: '@layers/backend-wasm', factory: 'createWasmBackend' };
const reference = () => createCpuBackend();
describeConformance('wasm-relaxed', () => createWasmBackend({ threads: 2, simd: 'relaxed' }), {
  backendModule,
  reference,
});
