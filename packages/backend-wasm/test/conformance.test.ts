import { describeConformance } from '@layers/conformance';
import { createWasmBackend } from '../src/index.js';

// The suite destroys each backend in its afterAll, so the worker pool never outlives it.
const backendModule = { specifier: '@layers/backend-wasm', factory: 'createWasmBackend' };
describeConformance('wasm', () => createWasmBackend({ threads: 1 }), { backendModule });
describeConformance('wasm-2threads', () => createWasmBackend({ threads: 2 }), { backendModule });
