/**
 * Sorting and selection: sort, argsort, msort, topk, kthvalue, median, searchsorted,
 * bucketize.
 *
 * sort is a bitonic network composed from views, gathers and `where`: the dim is padded to a
 * power of two P and sorted in log2(P) * (log2(P) + 1) / 2 compare-exchange passes over the
 * whole tensor, a few kernels each, on any backend, with no readback. Keys are ordered
 * totally as (NaN last, value, original index), so the result is PyTorch's stable sort:
 * NaN sorts above +Inf, equal values keep their order. Values are gathered from the input
 * through the final indices, so gradients flow to the elements they came from.
 */

import { isFloat } from '../tensor/dtype.js';
import { tidy } from '../tensor/scope.js';
import { fmtShape, normDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { arange, fromTypedArray, full } from './creation.js';
import { eq, gt, isnan, logicalAnd, logicalNot, logicalOr, lt, where } from './elementwise.js';
import { cat, gatherUnchecked, indexSelectUnchecked, stack } from './indexing.js';
import { movedim as move } from './rearrange.js';
import { any, sum } from './reduce.js';
import {
  cast,
  clone,
  contiguous,
  detach,
  expand,
  narrow,
  reshape,
  select,
  squeeze,
  unsqueeze,
} from './view.js';

/** Result of {@link sort}, {@link topk}, {@link kthvalue} and {@link median} with a dim. */
export interface ValuesIndices {
  /** The selected values (differentiable: gradients reach the elements they came from). */
  values: Tensor;
  /** int32 positions of the values along the dim. */
  indices: Tensor;
}

/** Options of {@link sort}. */
export interface SortOptions {
  /** The dim to sort (default -1). */
  dim?: number;
  /** Largest first (default false). NaN counts as the largest value. */
  descending?: boolean;
  /**
   * Keep equal values in their original order. Always true here (the sort is stable); the
   * option exists for PyTorch's signature.
   */
  stable?: boolean;
}

const I32_MAX = 2147483647;
const I32_MIN = -2147483648;

/** Does the (value, index) pair `b` come before `a` in the order? */
function before(va: Tensor, ia: Tensor, vb: Tensor, ib: Tensor, desc: boolean, float: boolean): Tensor {
  const valueFirst = desc ? gt(vb, va) : lt(vb, va);
  const idxFirst = lt(ib, ia);
  if (!float) return logicalOr(valueFirst, logicalAnd(eq(va, vb), idxFirst));
  const na = isnan(va);
  const nb = isnan(vb);
  // NaN is the largest value: last ascending, first descending.
  const nanFirst = desc ? logicalAnd(nb, logicalNot(na)) : logicalAnd(na, logicalNot(nb));
  const sameClass = logicalOr(logicalAnd(na, nb), eq(va, vb));
  return logicalOr(logicalOr(nanFirst, valueFirst), logicalAnd(sameClass, idxFirst));
}

/** One compare-exchange pass over pairs in blocks of `half` (mirrored pairs when `mirror`). */
function exchange(
  v: Tensor,
  i: Tensor,
  half: number,
  mirror: boolean,
  desc: boolean,
  float: boolean,
): [Tensor, Tensor] {
  const [B, P] = v.shape;
  const shape = [B, P / (2 * half), 2, half];
  // A mirrored pass reverses the upper half of each block, four times (values and indices,
  // in and out), all with the same host-built gather indices: upload them once.
  let reverse: Tensor | null = null;
  if (mirror) {
    const idx = new Int32Array(half);
    for (let k = 0; k < half; k++) idx[k] = half - 1 - k;
    reverse = fromTypedArray(idx, [half], v.backend);
  }
  const flipHi = (t: Tensor) => (reverse ? indexSelectUnchecked(t, t.ndim - 1, reverse) : t);
  const split = (t: Tensor): [Tensor, Tensor] => {
    const t4 = reshape(t, shape);
    return [select(t4, 2, 0), flipHi(select(t4, 2, 1))];
  };
  const [vlo, vhi] = split(v);
  const [ilo, ihi] = split(i);
  const swap = before(vlo, ilo, vhi, ihi, desc, float);
  const join = (lo: Tensor, hi: Tensor): Tensor =>
    reshape(stack([where(swap, hi, lo), flipHi(where(swap, lo, hi))], 2), [B, P]);
  return [join(vlo, vhi), join(ilo, ihi)];
}

/** Sorted int32 indices along the last dim of a 2-D [B, n] tensor. */
function sortIndices(x2: Tensor, desc: boolean): Tensor {
  const [B, n] = x2.shape;
  const float = isFloat(x2.dtype);
  let P = 1;
  while (P < n) P *= 2;
  let v = x2.dtype === 'bool' ? cast(x2, 'int32') : x2;
  let i = expand(reshape(arange(0, P, 1, { dtype: 'int32', backend: x2.backend }), [1, P]), [B, P]);
  if (P > n) {
    // Padding sorts after every real element: it ties with the last class and has larger indices.
    const padValue = float ? (desc ? Number.NEGATIVE_INFINITY : Number.NaN) : desc ? I32_MIN : I32_MAX;
    v = cat([v, full([B, P - n], padValue, { dtype: v.dtype, backend: v.backend })], 1);
  }
  v = contiguous(v);
  i = contiguous(i);
  // Each pass in its own scope, the previous pass's pair freed: the network's intermediates
  // never pile up (a sort of n elements would otherwise hold O(n log^2 n) of them).
  let first = true;
  const pass = (half: number, mirror: boolean) => {
    const [nv, ni] = tidy(() => exchange(v, i, half, mirror, desc, float));
    if (!first) {
      v.dispose();
      i.dispose();
    }
    first = false;
    v = nv;
    i = ni;
  };
  for (let k = 1; k < P; k *= 2) {
    pass(k, true);
    for (let j = k / 2; j >= 1; j /= 2) pass(j, false);
  }
  return P > n ? narrow(i, 1, 0, n) : i;
}

/** Indices sorting `x` along `d` (x's shape, int32). */
function sortedIndicesAlong(x: Tensor, d: number, desc: boolean): Tensor {
  const moved = move(detach(x), d, -1);
  const n = moved.shape[moved.ndim - 1];
  const lead = moved.shape.slice(0, -1);
  const flat = reshape(moved, [lead.reduce((a, b) => a * b, 1), n]);
  const idx = sortIndices(flat, desc);
  return move(reshape(idx, [...lead, n]), -1, d);
}

/**
 * torch.sort: values and int32 indices sorted along `dim`, stable, NaN as the largest value.
 */
export function sort(x: Tensor, opts: SortOptions = {}): ValuesIndices {
  x._check('sort');
  if (x.ndim === 0)
    return tidy(() => ({ values: clone(x), indices: full([], 0, { dtype: 'int32', backend: x.backend }) }));
  const d = normDim(opts.dim ?? -1, x.ndim, 'sort');
  const indices = tidy(() =>
    x.shape[d] === 0 || x.size === 0
      ? full(x.shape, 0, { dtype: 'int32', backend: x.backend })
      : sortedIndicesAlong(x, d, opts.descending ?? false),
  );
  const values = tidy(() => gatherUnchecked(x, d, indices));
  return { values, indices };
}

/** torch.argsort: the int32 indices of {@link sort}. */
export function argsort(x: Tensor, opts: SortOptions = {}): Tensor {
  const { values, indices } = sort(x, opts);
  values.dispose();
  return indices;
}

/** torch.msort: values sorted along dim 0. */
export function msort(x: Tensor): Tensor {
  const { values, indices } = sort(x, { dim: 0 });
  indices.dispose();
  return values;
}

/** Options of {@link topk}. */
export interface TopkOptions {
  /** The dim to select along (default -1). */
  dim?: number;
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Return them in sorted order (always, here; the option exists for PyTorch's signature). */
  sorted?: boolean;
}

/** torch.topk: the k largest (or smallest) values along `dim` and their int32 indices. */
export function topk(x: Tensor, k: number, opts: TopkOptions = {}): ValuesIndices {
  x._check('topk');
  const d = normDim(opts.dim ?? -1, x.ndim, 'topk');
  const n = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new RangeError(
      `topk: k (${k}) out of range for dimension ${d} of size ${n} (input shape ${fmtShape(x.shape)})`,
    );
  }
  return tidy(() => {
    const s = sort(x, { dim: d, descending: opts.largest ?? true });
    if (x.ndim === 0) return s;
    return { values: narrow(s.values, d, 0, k), indices: narrow(s.indices, d, 0, k) };
  });
}

/** Options of {@link kthvalue} and {@link median}. */
export interface SelectOptions {
  /** Keep the reduced dim with size 1 (default false). */
  keepdim?: boolean;
}

function pick(s: ValuesIndices, d: number, pos: Tensor | number, keepdim: boolean): ValuesIndices {
  if (typeof pos === 'number') {
    const v = narrow(s.values, d, pos, 1);
    const i = narrow(s.indices, d, pos, 1);
    return keepdim ? { values: v, indices: i } : { values: squeeze(v, d), indices: squeeze(i, d) };
  }
  const v = gatherUnchecked(s.values, d, pos);
  const i = gatherUnchecked(s.indices, d, pos);
  return keepdim ? { values: v, indices: i } : { values: squeeze(v, d), indices: squeeze(i, d) };
}

/** torch.kthvalue: the k-th smallest value (1-based) along `dim` (default -1) and its index. */
export function kthvalue(x: Tensor, k: number, dim = -1, opts: SelectOptions = {}): ValuesIndices {
  x._check('kthvalue');
  const d = normDim(dim, x.ndim, 'kthvalue');
  const n = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(
      `kthvalue: k (${k}) out of range for dimension ${d} of size ${n} (input shape ${fmtShape(x.shape)})`,
    );
  }
  return tidy(() => {
    const s = sort(x, { dim: d });
    return x.ndim === 0 ? s : pick(s, d, k - 1, opts.keepdim ?? false);
  });
}

/**
 * torch.median: the lower median (of an even count, the smaller middle value). Without
 * `dim`, of all elements, as a 0-d tensor; with `dim`, values and indices along it. NaN in
 * a row makes that row's median NaN, as in PyTorch.
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, opts?: SelectOptions): ValuesIndices;
export function median(x: Tensor, dim?: number, opts: SelectOptions = {}): Tensor | ValuesIndices {
  x._check('median');
  if (dim === undefined) {
    if (x.size === 0) throw new RangeError('median: cannot compute the median of an empty tensor');
    return tidy(() => median(reshape(x, [-1]), 0).values);
  }
  const d = normDim(dim, x.ndim, 'median');
  if (x.ndim === 0) return tidy(() => sort(x));
  const n = x.shape[d];
  if (n === 0) throw new RangeError(`median: dimension ${d} of input ${fmtShape(x.shape)} is empty`);
  return tidy(() => {
    const s = sort(x, { dim: d });
    const middle = (n - 1) >> 1;
    if (!isFloat(x.dtype)) return pick(s, d, middle, opts.keepdim ?? false);
    // A row with NaN: its first NaN (sorted last, so at n - count) is the median.
    const nans = sum(cast(isnan(s.values), 'int32'), d, { keepdim: true });
    const pos = where(any(isnan(s.values), d, { keepdim: true }), nans.neg().add(n), middle);
    return pick(s, d, cast(pos, 'int32'), opts.keepdim ?? false);
  });
}

/** Options of {@link searchsorted} and {@link bucketize}. */
export interface SearchOptions {
  /** false (default): the first position whose element is >= the value; true: > the value. */
  right?: boolean;
}

/**
 * torch.searchsorted: for each value, the int32 position in `sortedSequence` (sorted along its
 * last dim; 1-D, or with the values' leading dims) where it would be inserted. NaN values go
 * after everything.
 */
export function searchsorted(sortedSequence: Tensor, values: Tensor, opts: SearchOptions = {}): Tensor {
  sortedSequence._check('searchsorted');
  values._check('searchsorted');
  const s = sortedSequence;
  if (s.ndim === 0) throw new RangeError('searchsorted: sortedSequence must have at least one dimension');
  if (s.ndim > 1 && (s.ndim !== values.ndim || s.shape.slice(0, -1).some((n, i) => n !== values.shape[i]))) {
    throw new RangeError(
      `searchsorted: boundaries ${fmtShape(s.shape)} and input ${fmtShape(values.shape)} must match in every dimension but the last`,
    );
  }
  const M = s.shape[s.ndim - 1];
  return tidy(() => {
    const sv = s.ndim === 1 ? s : unsqueeze(s, -2); // [..., 1, M]
    const vv = unsqueeze(values, -1); // [..., N, 1]
    const hit = opts.right ? sv.le(vv) : sv.lt(vv);
    const count = sum(cast(hit, 'int32'), -1);
    return isFloat(values.dtype) ? where(isnan(values), M, count) : count;
  });
}

/** torch.bucketize: {@link searchsorted} of `input` in the 1-D sorted `boundaries`. */
export function bucketize(input: Tensor, boundaries: Tensor, opts: SearchOptions = {}): Tensor {
  boundaries._check('bucketize');
  if (boundaries.ndim !== 1) {
    throw new RangeError(`bucketize: boundaries must be 1-D, got shape ${fmtShape(boundaries.shape)}`);
  }
  return searchsorted(boundaries, input, opts);
}
