/**
 * How F uses a backend's optional fused kernels: ask for it, record which path ran (for
 * the conformance coverage matrix), and otherwise compose the op from primitives.
 */

import { computeFused } from '../../backend/compute.js';
import type { Backend, FusedKernels } from '../../backend/contract.js';
import { pathLog } from '../../backend/pathlog.js';

/** The backend's fused kernel `name`, or null; records which path the caller will take. */
export function fusedKernel<K extends keyof FusedKernels>(
  backend: Backend,
  name: K,
): NonNullable<FusedKernels[K]> | null {
  const k = backend.fused[name];
  pathLog.record(name, k !== undefined);
  // 16-bit float views reach the kernel as float32 temporaries (backend/compute.ts).
  return computeFused(backend, name, (k?.bind(backend.fused) as NonNullable<FusedKernels[K]>) ?? null);
}
