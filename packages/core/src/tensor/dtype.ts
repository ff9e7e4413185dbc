import type { DType, TypedArray } from '../backend/contract.js';

export const DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'int32', 'bool'];

/**
 * @internal Reject a dtype layers does not have, once, in core, before any backend sees it
 * (each backend would fail its own way, or later). Returns the dtype.
 */
export function checkDType(dtype: unknown, op: string): DType {
  if (typeof dtype === 'string' && (DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
  throw new TypeError(
    `${op}: unsupported dtype ${typeof dtype === 'string' ? `'${dtype}'` : String(dtype)}; layers supports ${DTYPES.join(', ')}`,
  );
}

/** Bytes one element of `dtype` takes in backend memory (bool: 1, float16/bfloat16: 2). */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'bool' ? 1 : dtype === 'float16' || dtype === 'bfloat16' ? 2 : 4;
}

export function typedArrayFor(dtype: DType, size: number, op = 'tensor'): TypedArray {
  checkDType(dtype, op);
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  if (dtype === 'bool') return new Uint8Array(size);
  return new Uint16Array(size);
}

/** The dtype a typed array holds (a Uint16Array is taken as float16 bits: pass the dtype for bfloat16). */
export function dtypeOfTypedArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint16Array) return 'float16';
  return 'bool';
}

/** Whether `dtype` is a floating-point dtype (float32, float16, bfloat16). */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16';
}

/**
 * PyTorch's promotion: bool < int < float; among floats the wider wins, and float16 with
 * bfloat16 gives float32 (neither holds the other), as torch.promote_types.
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (isFloat(a) && isFloat(b)) return 'float32';
  if (isFloat(a)) return a;
  if (isFloat(b)) return b;
  if (a === 'int32' || b === 'int32') return 'int32';
  return 'bool';
}

/**
 * The dtype a Python scalar gets next to a tensor of `dtype` (PyTorch's "weak" scalars: a
 * float scalar keeps a float16 tensor float16, and makes an integer tensor float32, the
 * default float dtype).
 */
export function scalarDType(value: number | boolean, tensorDType: DType): DType {
  if (typeof value === 'boolean') return tensorDType;
  if (isFloat(tensorDType)) return tensorDType;
  if (!Number.isInteger(value)) return 'float32';
  return tensorDType === 'bool' ? 'int32' : tensorDType;
}

/** The float dtype an op on `dtype` computes in: itself when float, else float32 (int/bool promote). */
export function floatDType(dtype: DType): DType {
  return isFloat(dtype) ? dtype : 'float32';
}
