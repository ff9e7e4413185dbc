import type { View } from '../backend/contract.js';
import { bytesPerElement } from '../tensor/dtype.js';

/**
 * Bytes a kernel touches through `v`: each distinct element once. A broadcast dimension
 * (stride 0) reads the same elements again, so it does not multiply the count.
 */
export function viewBytes(v: View): number {
  let elements = 1;
  for (let i = 0; i < v.shape.length; i++) {
    const d = v.shape[i] ?? 0;
    if (d === 0) return 0;
    if (v.strides[i] !== 0) elements *= d;
  }
  return elements * bytesPerElement(v.dtype);
}
