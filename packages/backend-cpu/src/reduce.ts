import type { ReduceOp, TypedArray, View } from '@layers/core';
import { allocArray, dataOf, isContiguous } from './buffers.js';
import { copy } from './copy.js';

/** The view's elements as a dense array plus start index, copying only when it is strided. */
export function denseOf(x: View): { data: TypedArray; base: number } {
  if (isContiguous(x)) return { data: dataOf(x), base: x.offset };
  let size = 1;
  for (const n of x.shape) size *= n;
  const data = allocArray(x.dtype, size);
  const strides: number[] = [];
  let s = 1;
  for (let d = x.shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= x.shape[d];
  }
  copy(x, { buffer: { dtype: x.dtype, data }, dtype: x.dtype, shape: x.shape, strides, offset: 0 });
  return { data, base: 0 };
}

/**
 * Reduce contiguous [outer, inner] along inner. Float sums and products accumulate in float64
 * (at least as accurate as torch's float32 pairwise sum); int32 ones wrap like int32.
 */
export function reduce(op: ReduceOp, x: View, out: View, outer: number, inner: number): void {
  const { data: xd, base } = denseOf(x);
  const od = dataOf(out);
  const o0 = out.offset;
  const isInt = x.dtype !== 'float32';
  const toBool = out.dtype === 'bool';
  for (let r = 0; r < outer; r++) {
    const start = base + r * inner;
    const end = start + inner;
    let v: number;
    switch (op) {
      case 'sum': {
        let s = 0;
        if (isInt) for (let i = start; i < end; i++) s = (s + xd[i]) | 0;
        else for (let i = start; i < end; i++) s += xd[i];
        v = s;
        break;
      }
      case 'prod': {
        let p = 1;
        if (isInt) for (let i = start; i < end; i++) p = Math.imul(p, xd[i]);
        else for (let i = start; i < end; i++) p *= xd[i];
        v = p;
        break;
      }
      case 'max':
      case 'min': {
        // torch raises on an empty max/min; core should reject it, ±inf is the identity.
        const isMax = op === 'max';
        let m = isMax ? -Infinity : Infinity;
        for (let i = start; i < end; i++) {
          const e = xd[i];
          if (Number.isNaN(e)) {
            m = e;
            break;
          }
          if (isMax ? e > m : e < m) m = e;
        }
        v = m;
        break;
      }
      case 'argmax':
      case 'argmin': {
        // First occurrence of the extreme; the first NaN wins outright, as in PyTorch.
        const isMax = op === 'argmax';
        let best = 0;
        let m = inner > 0 ? xd[start] : 0;
        if (!Number.isNaN(m)) {
          for (let i = start + 1; i < end; i++) {
            const e = xd[i];
            if (Number.isNaN(e)) {
              best = i - start;
              break;
            }
            if (isMax ? e > m : e < m) {
              m = e;
              best = i - start;
            }
          }
        }
        v = best;
        break;
      }
      default:
        throw new TypeError(`cpu: unknown reduce op '${String(op)}'`);
    }
    od[o0 + r] = toBool ? (v !== 0 ? 1 : 0) : v;
  }
}
