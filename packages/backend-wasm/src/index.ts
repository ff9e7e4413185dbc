/**
 * @layers/backend-wasm: WebAssembly SIMD kernels with a worker-thread pool.
 *
 *   import { createWasmBackend } from '@layers/backend-wasm';
 *   setBackend(await createWasmBackend({ threads: 4 }));
 *
 * This is the default entry (Node, Bun, Deno); index.browser.ts is the same API without any
 * `node:` import, chosen by the exports map's `browser` condition.
 *
 * @packageDocumentation
 */
import type { Backend } from '@layers/core';
import type { WasmBackend } from './backend.js';
import { createOnHost, type WasmBackendOptions } from './create.js';
import { anyHost } from './host/any.js';

export type { WasmBackend, WasmBackendInfo } from './backend.js';
export type { WasmBackendOptions } from './create.js';
export type { WasmPaths } from './loader.js';
export type { SimdChoice, SimdLevel } from './simd.js';

/** Creates a WebAssembly backend: compiles the kernels, starts the worker threads. */
export function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend & Backend> {
  return createOnHost(anyHost, options);
}
