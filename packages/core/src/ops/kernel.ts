/** Helpers every op module uses to allocate outputs and hand views to the backend. */
import type { Backend, DType, View } from '../backend/contract.js';
import { getBackend } from '../backend/registry.js';
import { checkDType } from '../tensor/dtype.js';
import { broadcastStrides, contiguousStrides, fmtShape } from '../tensor/shape.js';
import { allocStorage } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';

export type Scalar = number | boolean;
export type Other = Tensor | Scalar;

/** A fresh contiguous tensor with unspecified contents. */
export function empty(
  shape: readonly number[],
  dtype: DType,
  backend: Backend = getBackend(),
  op = 'empty',
): Tensor {
  checkDType(dtype, op);
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`invalid shape ${fmtShape(shape)}`);
    size *= d;
  }
  const storage = allocStorage(backend, size, dtype);
  return new Tensor(storage, [...shape], contiguousStrides(shape), 0);
}

/** A 0-d tensor holding `value`. */
export function scalarTensor(value: Scalar, dtype: DType, backend: Backend): Tensor {
  const t = empty([], dtype, backend);
  backend.fill(t._view(), Number(value));
  return t;
}

/** The common backend of the given tensors, or a clear error naming both. */
export function backendOf(op: string, ...tensors: (Tensor | Scalar | null | undefined)[]): Backend {
  let found: Backend | null = null;
  for (const t of tensors) {
    if (!(t instanceof Tensor)) continue;
    t._check(op);
    if (found && t.backend !== found) {
      throw new Error(
        `${op}: expected all tensors on the same backend, but found tensors on different backends (${found.name} and ${t.backend.name}); move one with t.to(backend)`,
      );
    }
    found = t.backend;
  }
  return found ?? getBackend();
}

/** `t`'s view broadcast to `shape` (stride 0 on broadcast dims). */
export function broadcastView(t: Tensor, shape: readonly number[], op = 'op'): View {
  const v = t._view(op);
  if (v.shape.length === shape.length && v.shape.every((d, i) => d === shape[i])) return v;
  return { ...v, shape, strides: broadcastStrides(t.shape, t.strides, shape) };
}
