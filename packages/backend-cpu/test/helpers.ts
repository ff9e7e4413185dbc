import type { Backend, DType, TypedArray, View } from '@layers/core';
import { createCpuBackend } from '../src/index.js';

export const backend: Backend = await createCpuBackend();

export function contiguousStrides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** A view over a fresh buffer holding `data`, with explicit strides/offset when given. */
export function view(
  dtype: DType,
  data: ArrayLike<number>,
  shape: readonly number[],
  strides: readonly number[] = contiguousStrides(shape),
  offset = 0,
): View {
  const buffer = backend.alloc(data.length, dtype);
  const arr =
    dtype === 'float32'
      ? new Float32Array(data)
      : dtype === 'int32'
        ? new Int32Array(data)
        : new Uint8Array(data);
  backend.write(buffer, dtype, arr);
  return { buffer, dtype, shape, strides, offset };
}

export function empty(dtype: DType, shape: readonly number[]): View {
  let n = 1;
  for (const s of shape) n *= s;
  return view(dtype, new Array(n).fill(0), shape);
}

export function read(v: View): number[] {
  let n = 1;
  for (const s of v.shape) n *= s;
  const all: TypedArray = backend.readSync!(v.buffer, v.dtype, v.offset + n);
  return Array.from(all.subarray(v.offset));
}

/** Deterministic uniform values in [-1, 1) (a small LCG: tests need no real randomness). */
export function rand(n: number, seed = 1): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.fround((s / 2 ** 32) * 2 - 1));
  }
  return out;
}

export function expectClose(
  actual: readonly number[],
  expected: readonly number[],
  rtol = 1e-5,
  atol = 1e-6,
): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} !== ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}
