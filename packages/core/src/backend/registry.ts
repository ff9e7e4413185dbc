import type { Backend } from './contract.js';

let current: Backend | null = null;

/** Make `backend` the default for every tensor created without an explicit backend. */
export function setBackend(backend: Backend): void {
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
