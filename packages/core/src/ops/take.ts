/**
 * Flat and advanced indexing: torch.take, take_along_dim, index_put, masked_scatter, and the
 * data-dependent nonzero / masked_select. The first four compose gather and the scatter family;
 * nonzero and maskedSelect size their result from the data, so they read it and are async
 * (core never reads a device synchronously).
 */

import { tidy } from '../tensor/scope.js';
import { broadcastShapes, fmtShape, normDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { fromTypedArray } from './creation.js';
import { where } from './elementwise.js';
import { checkIndices, gatherUnchecked, scatterAddUnchecked } from './indexing.js';
import { backendOf } from './kernel.js';
import { cumsum } from './scan.js';
import { scatterReplace } from './scatter.js';
import { expand, reshape } from './view.js';

/** Check int32 indices in [-size, size) and wrap the negative ones (Python indexing). */
function wrapped(op: string, index: Tensor, size: number, what: string, key = op): Tensor {
  const w = index.dtype === 'int32' ? where(index.lt(0), index.add(size), index) : index;
  // A wrapped value still below 0 was below -size: report the index the caller passed.
  // `key` keeps checks of different dims apart when they wait on an async device.
  checkIndices(
    w,
    size,
    key,
    (v) => `${op}: index ${v < 0 ? v - size : v} is out of bounds for ${what} with size ${size}`,
  );
  return w;
}

/**
 * torch.take: the elements of `x` read as 1-D (row-major) at the int32 positions of `index`
 * (negative ones count from the end); the result has `index`'s shape.
 */
export function take(x: Tensor, index: Tensor): Tensor {
  backendOf('take', x, index);
  return tidy(() => {
    const w = wrapped('take', index, x.size, 'a tensor');
    return reshape(gatherUnchecked(reshape(x, [x.size]), 0, reshape(w, [index.size])), index.shape);
  });
}

/**
 * torch.take_along_dim: gather along `dim` after broadcasting `x` and `indices` against each
 * other in every other dim; without `dim`, {@link take} on the flattened tensors.
 */
export function takeAlongDim(x: Tensor, indices: Tensor, dim?: number): Tensor {
  backendOf('takeAlongDim', x, indices);
  if (dim === undefined || dim === null) {
    return tidy(() => {
      checkIndices(indices, x.size, 'takeAlongDim');
      return gatherUnchecked(reshape(x, [x.size]), 0, reshape(indices, [indices.size]));
    });
  }
  const d = normDim(dim, x.ndim, 'takeAlongDim');
  if (indices.ndim !== x.ndim) {
    throw new RangeError(
      `takeAlongDim: input and indices should have the same number of dimensions, but got ${x.ndim} and ${indices.ndim}`,
    );
  }
  checkIndices(
    indices,
    x.shape[d],
    'takeAlongDim',
    (v) => `takeAlongDim: index ${v} is out of bounds for dimension ${d} with size ${x.shape[d]}`,
  );
  return tidy(() => {
    const one = (s: readonly number[]) => s.map((n, i) => (i === d ? 1 : n));
    const common = broadcastShapes(one(x.shape), one(indices.shape), 'takeAlongDim');
    const xs = common.map((n, i) => (i === d ? x.shape[d] : n));
    const is = common.map((n, i) => (i === d ? indices.shape[d] : n));
    return gatherUnchecked(expand(x, xs), d, expand(indices, is));
  });
}

/** Options of {@link indexPut}. */
export interface IndexPutOptions {
  /** Add `values` in (repeated positions add up) instead of writing them. */
  accumulate?: boolean;
}

/**
 * torch.index_put: `x[indices] = values` (or `+=` with `accumulate`), where `indices` are int32
 * tensors for the leading dims, broadcast together (negative ones count from the end) and
 * `values` broadcasts to the indexed shape. Without `accumulate`, repeated positions are
 * unspecified in PyTorch; here they sum.
 */
export function indexPut(
  x: Tensor,
  indices: readonly Tensor[],
  values: Tensor | number,
  opts: IndexPutOptions = {},
): Tensor {
  const k = indices.length;
  if (k === 0 || k > x.ndim) {
    throw new RangeError(`indexPut: expected 1 to ${x.ndim} index tensors for a ${x.ndim}-D input, got ${k}`);
  }
  backendOf('indexPut', x, ...indices, ...(typeof values === 'number' ? [] : [values]));
  for (const t of indices) {
    if (t.dtype !== 'int32') throw new TypeError(`indexPut: expected int32 index tensors, got ${t.dtype}`);
  }
  if (typeof values !== 'number' && values.dtype !== x.dtype) {
    throw new TypeError(`indexPut: expected values with the input's dtype ${x.dtype}, got ${values.dtype}`);
  }
  const b = indices.reduce<number[]>((s, t) => broadcastShapes(s, t.shape, 'indexPut'), []);
  const rest = x.shape.slice(k);
  const lead = x.shape.slice(0, k).reduce((a, n) => a * n, 1);
  return tidy(() => {
    let lin: Tensor | null = null;
    for (let j = 0; j < k; j++) {
      const w = wrapped('indexPut', indices[j], x.shape[j], `dimension ${j}`, `indexPut:${j}`);
      const e = expand(w, b);
      lin = lin === null ? e : lin.mul(x.shape[j]).add(e);
    }
    const n = b.reduce((a, m) => a * m, 1);
    const target = [...b, ...rest];
    const v =
      typeof values === 'number'
        ? expand(
            reshape(
              fromTypedArray(new Float32Array([values]), [], x.backend).cast(x.dtype),
              target.map(() => 1),
            ),
            target,
          )
        : expand(values, broadcastShapes(values.shape, target, 'indexPut'));
    if (v.ndim !== target.length || v.shape.some((s, i) => s !== target[i])) {
      throw new RangeError(
        `indexPut: values ${fmtShape(v.shape)} do not broadcast to the indexed shape ${fmtShape(target)}`,
      );
    }
    const flatShape = [n, ...rest];
    const idx = expand(reshape(lin as Tensor, [n, ...rest.map(() => 1)]), flatShape);
    const x2 = reshape(x, [lead, ...rest]);
    const v2 = reshape(v, flatShape);
    const out = opts.accumulate ? scatterAddUnchecked(x2, 0, idx, v2) : scatterReplace(x2, 0, idx, v2);
    return reshape(out, x.shape);
  });
}

/**
 * torch.masked_scatter: `x` with the elements where `mask` (bool, broadcast to x) is true
 * replaced, in row-major order, by consecutive elements of `source`, which must hold at least
 * as many elements as the mask has true entries (checked on the device on async backends).
 */
export function maskedScatter(x: Tensor, mask: Tensor, source: Tensor): Tensor {
  backendOf('maskedScatter', x, mask, source);
  if (mask.dtype !== 'bool') throw new TypeError(`maskedScatter: expected a bool mask, got ${mask.dtype}`);
  if (source.dtype !== x.dtype) {
    throw new TypeError(
      `maskedScatter: expected source with the input's dtype ${x.dtype}, got ${source.dtype}`,
    );
  }
  const shape = broadcastShapes(mask.shape, x.shape, 'maskedScatter');
  if (shape.length !== x.ndim || shape.some((s, i) => s !== x.shape[i])) {
    throw new RangeError(
      `maskedScatter: mask ${fmtShape(mask.shape)} does not broadcast to the input ${fmtShape(x.shape)}`,
    );
  }
  return tidy(() => {
    const m = reshape(expand(mask, x.shape), [x.size]);
    // Each true entry's rank among the true entries is its position in source.
    const pos = where(m, cumsum(m.int(), 0).sub(1), -1);
    checkIndices(
      pos,
      source.size,
      'maskedScatter',
      () => `maskedScatter: the mask has more true elements than source has elements (${source.size})`,
      -1,
    );
    if (source.size === 0) return where(reshape(m, x.shape), x, x);
    const picked = gatherUnchecked(reshape(source, [source.size]), 0, where(m, pos, 0));
    return where(reshape(m, x.shape), reshape(picked, x.shape), x);
  });
}

/** Options of {@link nonzero}. */
export interface NonzeroOptions {
  /** One 1-D tensor of indices per dim instead of one [n, ndim] tensor. */
  asTuple?: boolean;
}

/** Row-major flat positions of the nonzero (true) elements, read from the device. */
async function truePositions(x: Tensor): Promise<Int32Array> {
  const data = await x.data();
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) n++;
  const out = new Int32Array(n);
  n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) out[n++] = i;
  return out;
}

/**
 * torch.nonzero: the int32 coordinates of the nonzero elements, row-major, as an [n, ndim]
 * tensor (or, with `asTuple`, one 1-D tensor per dim). Async: its size depends on the data.
 */
export async function nonzero(x: Tensor, opts: { asTuple: true }): Promise<Tensor[]>;
export async function nonzero(x: Tensor, opts?: NonzeroOptions): Promise<Tensor>;
export async function nonzero(x: Tensor, opts: NonzeroOptions = {}): Promise<Tensor | Tensor[]> {
  const flat = await truePositions(x);
  const nd = x.ndim;
  const coords = new Int32Array(flat.length * nd);
  for (let r = 0; r < flat.length; r++) {
    let rem = flat[r];
    for (let j = nd - 1; j >= 0; j--) {
      coords[r * nd + j] = rem % x.shape[j];
      rem = Math.floor(rem / x.shape[j]);
    }
  }
  if (!opts.asTuple) return fromTypedArray(coords, [flat.length, nd], x.backend);
  if (nd === 0) return [fromTypedArray(new Int32Array(flat.length), [flat.length], x.backend)];
  return Array.from({ length: nd }, (_, j) => {
    const col = new Int32Array(flat.length);
    for (let r = 0; r < flat.length; r++) col[r] = coords[r * nd + j];
    return fromTypedArray(col, [flat.length], x.backend);
  });
}

/**
 * torch.masked_select: the elements of `x` where `mask` (bool; the two broadcast) is true, as a
 * 1-D tensor, with gradient. Async: its size depends on the data.
 */
export async function maskedSelect(x: Tensor, mask: Tensor): Promise<Tensor> {
  backendOf('maskedSelect', x, mask);
  if (mask.dtype !== 'bool') throw new TypeError(`maskedSelect: expected a bool mask, got ${mask.dtype}`);
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedSelect');
  const m = expand(mask, shape);
  const flat = await truePositions(m);
  return tidy(() => {
    const xs = reshape(expand(x, shape), [shape.reduce((a, n) => a * n, 1)]);
    return gatherUnchecked(xs, 0, fromTypedArray(flat, [flat.length], x.backend));
  });
}
