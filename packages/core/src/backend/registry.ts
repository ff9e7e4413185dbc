import type { Backend } from './contract.js';
import { checkSingleCore } from './instances.js';

let current: Backend | null = null;

/** Make `backend` the default for every tensor created without an explicit backend. */
export function setBackend(backend: Backend): void {
  checkSingleCore();
  current = backend;
}

export function getBackend(): Backend {
  if (!current) {
    throw new Error(
      'layers: no backend is set. Install one and call, for example, ' +
        "setBackend(await createCpuBackend()) from '@layers/backend-cpu'.",
    );
  }
  return current;
}

export function hasBackend(): boolean {
  return current !== null;
}
