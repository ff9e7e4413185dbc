import { createCpuBackend } from '@layers/backend-cpu';
import { describeConformance } from '@layers/conformance';
import { createWasmBackend } from '../src/index.js';

// The suite destroys each backend in its afterAll, so the worker pool never outlives it.
const backendModule = { specifier: '@layers/backend-wasm', factory: 'createWasmBackend' };
// The differential programs compare each op with the cpu backend's.
const reference = () => createCpuBackend();
describeConformance('wasm', () => createWasmBackend({ threads: 1, simd: 'baseline' }), {
  backendModule,
  reference,
});
describeConformance('wasm-2threads', () => createWasmBackend({ threads: 2, simd: 'baseline' }), {
  backendModule,
  reference,
});
