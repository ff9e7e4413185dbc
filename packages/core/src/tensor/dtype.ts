import type { DType, TypedArray } from '../backend/contract.js';

export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/**
 * @internal Reject a dtype layers does not have, once, in core, before any backend sees it
 * (each backend would fail its own way, or later). Returns the dtype.
 */
export function checkDType(dtype: unknown, op: string): DType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  throw new TypeError(
    `${op}: unsupported dtype ${typeof dtype === 'string' ? `'${dtype}'` : String(dtype)}; layers supports ${DTYPES.join(', ')}`,
  );
}

/** Bytes one element of `dtype` takes in backend memory (bool: 1). */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

export function typedArrayFor(dtype: DType, size: number, op = 'tensor'): TypedArray {
  checkDType(dtype, op);
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  return new Uint8Array(size);
}

export function dtypeOfTypedArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32';
}

/** PyTorch's category ordering: bool < int < float. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'int32' || b === 'int32') return 'int32';
  return 'bool';
}

/** The dtype a Python scalar gets next to a tensor of `dtype` (PyTorch's "weak" scalars). */
export function scalarDType(value: number | boolean, tensorDType: DType): DType {
  if (typeof value === 'boolean') return tensorDType;
  if (tensorDType === 'float32') return 'float32';
  if (!Number.isInteger(value)) return 'float32';
  return tensorDType === 'bool' ? 'int32' : tensorDType;
}
