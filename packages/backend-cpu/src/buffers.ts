import type { BackendBuffer, DType, TypedArray, View } from '@layers/core';

/** A CPU buffer is just a typed array of the dtype's storage type. */
export interface CpuBuffer {
  /** Element type the buffer was allocated for. */
  readonly dtype: DType;
  /** The values (Float32Array, Int32Array, Uint8Array for bool, Uint16Array of bits for float16/bfloat16). */
  readonly data: TypedArray;
}

export function allocArray(dtype: DType, size: number): TypedArray {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`cpu: cannot allocate ${size} elements`);
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
    case 'float16':
    case 'bfloat16':
      // 16-bit patterns; only copy and fill see these (core computes in float32).
      return new Uint16Array(size);
    default:
      throw new TypeError(`cpu: unknown dtype '${String(dtype)}'`);
  }
}

export function asCpuBuffer(buffer: BackendBuffer): CpuBuffer {
  const b = buffer as Partial<CpuBuffer>;
  if (b === null || typeof b !== 'object' || !ArrayBuffer.isView(b.data)) {
    throw new TypeError('cpu: buffer was not allocated by the cpu backend');
  }
  return b as CpuBuffer;
}

/** The typed array behind a view (indices are the view's offset/strides into it). */
export function dataOf(view: View): TypedArray {
  return asCpuBuffer(view.buffer).data;
}

export function f32(view: View): Float32Array {
  const d = dataOf(view);
  if (!(d instanceof Float32Array)) throw new TypeError(`cpu: expected a float32 buffer, got ${view.dtype}`);
  return d;
}

export function i32(view: View): Int32Array {
  const d = dataOf(view);
  if (!(d instanceof Int32Array)) throw new TypeError(`cpu: expected an int32 buffer, got ${view.dtype}`);
  return d;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** True when the view covers a dense row-major block starting at its offset. */
export function isContiguous(view: View): boolean {
  let expected = 1;
  for (let d = view.shape.length - 1; d >= 0; d--) {
    const n = view.shape[d];
    if (n !== 1 && view.strides[d] !== expected) return false;
    expected *= n;
  }
  return true;
}
