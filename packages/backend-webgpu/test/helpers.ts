import type { DType, TypedArray, View } from '@layers/core';
import * as L from '@layers/core';
import { afterAll, beforeAll } from 'vitest';
import { createWebGPUBackend, type WebGPUBackend } from '../src/index.js';

export async function makeBackend(opts: { subgroups?: boolean } = {}): Promise<WebGPUBackend> {
  return createWebGPUBackend(opts);
}

/**
 * A fresh backend for the enclosing describe block, set as core's current one and destroyed
 * after it; returns a getter (the backend exists once beforeAll has run).
 */
export function useBackend(): () => WebGPUBackend {
  let be: WebGPUBackend | null = null;
  beforeAll(async () => {
    be = await makeBackend();
    L.setBackend(be);
  });
  afterAll(async () => {
    await be?.destroy();
  });
  return () => {
    if (!be) throw new Error('useBackend: the backend is created in beforeAll');
    return be;
  };
}

export function contiguousStrides(shape: readonly number[]): number[] {
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

// float16/bfloat16 values are their bit patterns here.
const ctor = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
} as const;

/** Upload `values` into a fresh buffer and return a contiguous view of `shape`. */
export function tensor(be: WebGPUBackend, dtype: DType, shape: number[], values: ArrayLike<number>): View {
  const buffer = be.alloc(values.length, dtype);
  be.write(buffer, dtype, ctor[dtype].from(values as ArrayLike<number>) as TypedArray);
  return { buffer, dtype, shape, strides: contiguousStrides(shape), offset: 0 };
}

export function empty(be: WebGPUBackend, dtype: DType, shape: number[]): View {
  const buffer = be.alloc(size(shape), dtype);
  return { buffer, dtype, shape, strides: contiguousStrides(shape), offset: 0 };
}

export function view(base: View, shape: number[], strides: number[], offset = 0): View {
  return { buffer: base.buffer, dtype: base.dtype, shape, strides, offset };
}

export async function read(be: WebGPUBackend, v: View): Promise<number[]> {
  return Array.from(await be.read(v.buffer, v.dtype, size(v.shape)));
}

/** Deterministic pseudo-random values in [lo, hi). */
export function seq(n: number, seed = 1, lo = -2, hi = 2): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(lo + ((s >>> 8) / 16777216) * (hi - lo));
  }
  return out;
}

export function f32(x: number): number {
  return Math.fround(x);
}

export function expectClose(actual: number[], expected: number[], atol = 1e-5, rtol = 1e-5): void {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} != expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) throw new Error(`[${i}]: got ${a}, expected NaN`);
      continue;
    }
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)})`);
    }
  }
}
