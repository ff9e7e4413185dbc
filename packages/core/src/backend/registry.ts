import type { Backend } from './contract.js';
import { checkSingleCore } from './instances.js';

let current: Backend | null = null;

/**
 * Make `backend` the default for every tensor created without an explicit `backend` option.
 * Tensors already created stay where they are (move them with `t.to(backend)` or
 * `module.to(backend)`); an op mixing two backends throws, naming both.
 *
 * @example
 * ```ts
 * import { setBackend, tensor } from '@layers/core';
 * import { createWasmBackend } from '@layers/backend-wasm';
 *
 * setBackend(await createWasmBackend());
 * const x = tensor([1, 2, 3]);   // on wasm
 * x.backend.name;                // 'wasm'
 * ```
 */
export function setBackend(backend: Backend): void {
  checkSingleCore();
  current = backend;
}

/** The current default backend; throws, saying how to set one, when none is set. */
export function getBackend(): Backend {
  if (!current) {
    throw new Error(
      'layers: no backend is set. Install one and call, for example, ' +
        "setBackend(await createCpuBackend()) from '@layers/backend-cpu'.",
    );
  }
  return current;
}

/** Whether a default backend is set. */
export function hasBackend(): boolean {
  return current !== null;
}
