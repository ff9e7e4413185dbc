/**
 * Scans along a dim: cumsum, cumprod, cummax, cummin, logcumsumexp.
 *
 * Each is an inclusive Hillis-Steele scan built from views, `cat` and elementwise ops: pass
 * k combines every element with the one 2^k before it, so a dim of n elements takes
 * ceil(log2 n) passes of a few kernels each on any backend, and gradients come from the
 * composed ops. A product or sum over a prefix is therefore a tree, not a left-to-right
 * loop: the rounding differs from PyTorch's sequential CPU loop by at most the usual
 * O(log n) ulps, and NaN and ±Inf propagate exactly as the sequential definition says
 * (a multiply by a triangular ones matrix would spread a NaN backwards: 0 * NaN = NaN).
 */

import { castF32 } from '../amp/autocast.js';
import { isFloat } from '../tensor/dtype.js';
import { isHalf } from '../tensor/half.js';
import { tidy } from '../tensor/scope.js';
import { normDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { arange } from './creation.js';
import { add, ge, isnan, le, logicalAnd, logicalNot, logicalOr, mul, where } from './elementwise.js';
import { cat, gatherUnchecked } from './indexing.js';
import { logaddexp } from './pointwise.js';
import { cast, clone, detach, expand, narrow, reshape } from './view.js';

/** Inclusive scan of `x` along `d`: out[i] = x[0] ⊕ ... ⊕ x[i], `combine(earlier, later)`. */
function scan(x: Tensor, d: number, combine: (earlier: Tensor, later: Tensor) => Tensor): Tensor {
  const n = x.shape[d];
  let y = x;
  for (let k = 1; k < n; k *= 2) {
    y = cat([narrow(y, d, 0, k), combine(narrow(y, d, 0, n - k), narrow(y, d, k, n - k))], d);
  }
  return y === x ? clone(x) : y;
}

/** The scanned tensor and its dim; ints and bools accumulate as int32 (PyTorch: int64). */
function prepare(name: string, x: Tensor, dim: number): [Tensor, number] {
  x._check(name);
  // autocast: cumsum and cumprod run in float32.
  x = castF32(x);
  const d = normDim(dim, x.ndim, name);
  return [x.dtype === 'bool' ? cast(x, 'int32') : x, d];
}

/** torch.cumsum: running sums along `dim`. int32 and bool inputs give int32. */
export function cumsum(x: Tensor, dim: number): Tensor {
  return tidy(() => {
    const [t, d] = prepare('cumsum', x, dim);
    if (t.ndim === 0) return clone(t);
    // 16-bit floats accumulate in float32 and round once, as PyTorch's kernels.
    if (isHalf(t.dtype)) return cast(scan(cast(t, 'float32'), d, add), t.dtype);
    return scan(t, d, add);
  });
}

/** torch.cumprod: running products along `dim`. int32 and bool inputs give int32. */
export function cumprod(x: Tensor, dim: number): Tensor {
  return tidy(() => {
    const [t, d] = prepare('cumprod', x, dim);
    if (t.ndim === 0) return clone(t);
    // 16-bit floats accumulate in float32 and round once, as PyTorch's kernels.
    if (isHalf(t.dtype)) return cast(scan(cast(t, 'float32'), d, mul), t.dtype);
    return scan(t, d, mul);
  });
}

/** torch.logcumsumexp: log of the running sums of exp(x) along `dim`, without overflow. */
export function logcumsumexp(x: Tensor, dim: number): Tensor {
  return tidy(() => {
    const [t, d] = prepare('logcumsumexp', x, dim);
    if (!isFloat(t.dtype)) throw new TypeError(`logcumsumexp: expected a float input, got ${x.dtype}`);
    if (t.ndim === 0) return clone(t);
    return scan(t, d, logaddexp);
  });
}

/** Result of {@link cummax} and {@link cummin}. */
export interface CumExtreme {
  /** The running maximum (minimum); its gradient flows to the elements `indices` name. */
  values: Tensor;
  /** int32 index along `dim` of each running extreme: the latest on ties, the latest NaN. */
  indices: Tensor;
}

function cumExtreme(name: string, x: Tensor, dim: number, max: boolean): CumExtreme {
  x._check(name);
  if (x.ndim === 0)
    return {
      values: clone(x),
      indices: tidy(() => reshape(arange(0, 1, 1, { dtype: 'int32', backend: x.backend }), [])),
    };
  const d = normDim(dim, x.ndim, name);
  const n = x.shape[d];
  const float = isFloat(x.dtype);
  const indices = tidy(() => {
    const v0 = detach(x.dtype === 'bool' ? cast(x, 'int32') : x);
    const at = x.shape.map((s, i) => (i === d ? s : 1));
    let v = v0;
    let idx = expand(reshape(arange(0, n, 1, { dtype: 'int32', backend: x.backend }), at), x.shape);
    for (let k = 1; k < n; k *= 2) {
      const vl = narrow(v, d, 0, n - k);
      const vr = narrow(v, d, k, n - k);
      // The later element wins ties (as PyTorch's loop, which updates on >=); a NaN wins
      // over any number and the later of two NaNs wins.
      const better = max ? ge(vr, vl) : le(vr, vl);
      const later = float ? logicalOr(isnan(vr), logicalAnd(logicalNot(isnan(vl)), better)) : better;
      v = cat([narrow(v, d, 0, k), where(later, vr, vl)], d);
      idx = cat([narrow(idx, d, 0, k), where(later, narrow(idx, d, k, n - k), narrow(idx, d, 0, n - k))], d);
    }
    return n <= 1 ? clone(idx) : idx;
  });
  const values = tidy(() => gatherUnchecked(x, d, indices));
  return { values, indices };
}

/** torch.cummax: running maximum along `dim` and where it was found. */
export function cummax(x: Tensor, dim: number): CumExtreme {
  return cumExtreme('cummax', x, dim, true);
}

/** torch.cummin: running minimum along `dim` and where it was found. */
export function cummin(x: Tensor, dim: number): CumExtreme {
  return cumExtreme('cummin', x, dim, false);
}
