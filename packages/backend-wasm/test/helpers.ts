import type { Backend, DType, TypedArray, View } from '@layers/core';

export function stridesOf(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Upload `data` and return a contiguous view of `shape`. */
export function upload(
  be: Backend,
  data: TypedArray,
  shape: readonly number[],
  dtype: DType = 'float32',
): View {
  const buffer = be.alloc(Math.max(data.length, 1), dtype);
  be.write(buffer, dtype, data);
  return { buffer, dtype, shape, strides: stridesOf(shape), offset: 0 };
}

export function empty(be: Backend, shape: readonly number[], dtype: DType = 'float32'): View {
  return {
    buffer: be.alloc(Math.max(size(shape), 1), dtype),
    dtype,
    shape,
    strides: stridesOf(shape),
    offset: 0,
  };
}

export function download(be: Backend, v: View): TypedArray {
  return be.readSync!(v.buffer, v.dtype, size(v.shape));
}

/** Deterministic pseudo-random floats in [-1, 1) (no dependence on the code under test). */
export function randomData(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Element of a strided host array at multi-index `idx`. */
export function at(
  data: ArrayLike<number>,
  strides: readonly number[],
  offset: number,
  idx: readonly number[],
): number {
  let p = offset;
  for (let d = 0; d < idx.length; d++) p += idx[d] * strides[d];
  return data[p];
}

export function* indices(shape: readonly number[]): Generator<number[]> {
  const n = size(shape);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    yield idx.slice();
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i}: got ${a}, expected ${e}`);
    }
  }
}
