/**
 * Strided iteration descriptors. Elementwise kernels walk `shape` with one stride vector
 * per operand; merging dims first makes rows as long as possible so the SIMD row paths
 * apply to more views (a contiguous tensor of any rank becomes a single row).
 */
export const MAX_OPERANDS = 4;

export interface Coalesced {
  shape: number[];
  strides: number[][];
}

/**
 * Drop size-1 dims and merge neighbours that are contiguous for every operand. Plain loops:
 * it runs once per elementwise kernel, and the closures of every()/forEach() were a visible
 * share of the per-op JavaScript in a CNN step's profile.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): Coalesced {
  const nOps = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = [];
  for (let k = 0; k < nOps; k++) outStrides.push([]);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    for (let k = 0; mergeable && k < nOps; k++) mergeable = outStrides[k][last] === strides[k][d] * size;
    if (mergeable) {
      outShape[last] *= size;
      for (let k = 0; k < nOps; k++) outStrides[k][last] = strides[k][d];
    } else {
      outShape.push(size);
      for (let k = 0; k < nOps; k++) outStrides[k].push(strides[k][d]);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

/** Write a descriptor (layout in assembly/common.ts) into `i32` at word index `at`. */
export function writeDesc(i32: Int32Array, at: number, c: Coalesced): void {
  const r = c.shape.length;
  i32[at] = r;
  for (let d = 0; d < r; d++) i32[at + 1 + d] = c.shape[d];
  for (let k = 0; k < MAX_OPERANDS; k++) {
    const s = c.strides[k];
    for (let d = 0; d < r; d++) i32[at + 1 + r * (k + 1) + d] = s ? s[d] : 0;
  }
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expect) return false;
    expect *= shape[d];
  }
  return true;
}
