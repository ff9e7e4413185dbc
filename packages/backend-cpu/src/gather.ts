import type { View } from '@layers/core';
import { dataOf } from './buffers.js';
import { forEachRow } from './strided.js';

/** `strides` with the entry for `dim` set to 0: the index supplies that coordinate instead. */
function withoutDim(strides: readonly number[], dim: number): number[] {
  const s = strides.slice();
  s[dim] = 0;
  return s;
}

/** out[..., i_dim, ...] = x[..., index[..., i_dim, ...], ...] over out's (= index's) shape. */
export function gather(x: View, index: View, dim: number, out: View): void {
  const xd = dataOf(x);
  const id = dataOf(index);
  const od = dataOf(out);
  const sd = x.strides[dim];
  forEachRow(
    out.shape,
    [out.strides, index.strides, withoutDim(x.strides, dim)],
    [out.offset, index.offset, x.offset],
    (n, offs, steps) => {
      let o = offs[0];
      let i = offs[1];
      let s = offs[2];
      const [os, is, ss] = steps;
      for (let e = 0; e < n; e++, o += os, i += is, s += ss) od[o] = xd[s + id[i] * sd];
    },
  );
}

/** out[..., index[p], ...] += src[p] for every p in index's shape, in order (repeats add up). */
export function scatterAdd(out: View, index: View, src: View, dim: number): void {
  const od = dataOf(out);
  const id = dataOf(index);
  const sd = dataOf(src);
  const od0 = out.strides[dim];
  const isInt = out.dtype === 'int32';
  forEachRow(
    index.shape,
    [withoutDim(out.strides, dim), index.strides, src.strides],
    [out.offset, index.offset, src.offset],
    (n, offs, steps) => {
      let o = offs[0];
      let i = offs[1];
      let s = offs[2];
      const [os, is, ss] = steps;
      for (let e = 0; e < n; e++, o += os, i += is, s += ss) {
        const t = o + id[i] * od0;
        od[t] = isInt ? (od[t] + sd[s]) | 0 : od[t] + sd[s];
      }
    },
  );
}
