/**
 * Norms and distances: linalg.vectorNorm, linalg.matrixNorm, norm, cosineSimilarity,
 * pairwiseDistance, cdist.
 *
 * A p-norm's gradient x * |x|^(p-2) / ||x||^(p-1) is 0/0 where the norm is 0; PyTorch
 * defines it as 0 there (so a distance between equal points trains), and so does the
 * backward attached here, instead of the NaN a plain composition of pow and sum would give.
 */

import { attach } from '../autograd/node.js';
import { isFloat } from '../tensor/dtype.js';
import { tidy } from '../tensor/scope.js';
import { fmtShape, normDims } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { abs, div, eq, maximum, mul, ne, pow, sign, sqrt, sub, where } from './elementwise.js';
import { max, min, sum } from './reduce.js';
import { detach, expand, reshape, unsqueeze } from './view.js';

/** Options of {@link vectorNorm}. */
export interface VectorNormOptions {
  /** Dims to reduce (default: all). */
  dim?: number | readonly number[] | null;
  /** Keep reduced dims with size 1 (default false). */
  keepdim?: boolean;
}

function keepShape(x: Tensor, dims: readonly number[]): number[] {
  return x.shape.map((n, i) => (dims.includes(i) ? 1 : n));
}

/** sum(|x|^p)^(1/p) with PyTorch's 0-at-0 gradient, for finite p other than 0 and 1. */
function pNorm(x: Tensor, p: number, dims: number[], keepdim: boolean): Tensor {
  const value = tidy(() => {
    const ax = abs(detach(x));
    const s = sum(p === 2 ? mul(ax, ax) : pow(ax, p), dims, { keepdim: true });
    return p === 2 ? sqrt(s) : pow(s, 1 / p);
  });
  const out = keepdim
    ? value
    : tidy(() =>
        reshape(
          value,
          x.shape.filter((_, i) => !dims.includes(i)),
        ),
      );
  const kept = keepShape(x, dims);
  // Saves the output itself (not `value`, a separate handle): with createGraph the norm in
  // the formula must lead back to this node, or its second derivative would lose a term.
  return attach(out, 'vectorNorm', [x], [x, out], (g, [sx, so]) => {
    const gk = expand(reshape(g, kept), sx.shape);
    const nk = expand(reshape(so, kept), sx.shape);
    // d||x||/dx = x |x|^(p-2) / ||x||^(p-1); 0 where the norm is 0.
    const num = p === 2 ? sx : mul(sign(sx), pow(abs(sx), p - 1));
    const den = p === 2 ? nk : pow(nk, p - 1);
    const grad = div(mul(gk, num), where(eq(den, 0), 1, den));
    return [where(eq(nk, 0), 0, grad)];
  });
}

/**
 * torch.linalg.vector_norm: the `ord`-norm of the elements over `dim` (default all).
 * ord: 2 (default), any finite p, Infinity (max |x|), -Infinity (min |x|), 0 (count of non-zeros).
 */
export function vectorNorm(x: Tensor, ord = 2, opts: VectorNormOptions = {}): Tensor {
  x._check('vectorNorm');
  if (!isFloat(x.dtype)) throw new TypeError(`vectorNorm: expected a float input, got ${x.dtype}`);
  if (Number.isNaN(ord)) throw new RangeError('vectorNorm: ord must be a number, got NaN');
  const dims = normDims(opts.dim ?? null, x.ndim, 'vectorNorm');
  const keepdim = opts.keepdim ?? false;
  return tidy(() => {
    if (ord === Number.POSITIVE_INFINITY) return max(abs(x), dims, { keepdim });
    if (ord === Number.NEGATIVE_INFINITY) return min(abs(x), dims, { keepdim });
    if (ord === 0) return sum(ne(x, 0).float(), dims, { keepdim });
    if (ord === 1) return sum(abs(x), dims, { keepdim });
    return pNorm(x, ord, dims, keepdim);
  });
}

/** Options of {@link matrixNorm}. */
export interface MatrixNormOptions {
  /** The two matrix dims (default [-2, -1]). */
  dim?: readonly [number, number];
  /** Keep them with size 1 (default false). */
  keepdim?: boolean;
}

/**
 * torch.linalg.matrix_norm: 'fro' (default), 1 / -1 (max / min column sum of |x|) or
 * Infinity / -Infinity (max / min row sum) over the two matrix dims. ('nuc' and 2 need an
 * SVD, which layers does not have yet: they throw.)
 */
export function matrixNorm(x: Tensor, ord: 'fro' | number = 'fro', opts: MatrixNormOptions = {}): Tensor {
  x._check('matrixNorm');
  if (x.ndim < 2)
    throw new RangeError(`matrixNorm: expected a tensor with 2 or more dims, got shape ${fmtShape(x.shape)}`);
  const dims = normDims(opts.dim ?? [-2, -1], x.ndim, 'matrixNorm');
  const keepdim = opts.keepdim ?? false;
  if (ord === 'fro') return vectorNorm(x, 2, { dim: dims, keepdim });
  const [rowDim, colDim] = opts.dim ? [opts.dim[0], opts.dim[1]] : [-2, -1];
  const rd = normDims(rowDim, x.ndim, 'matrixNorm')[0] as number;
  const cd = normDims(colDim, x.ndim, 'matrixNorm')[0] as number;
  return tidy(() => {
    let inner: number;
    let reduceMax: boolean;
    if (ord === 1 || ord === -1) [inner, reduceMax] = [rd, ord === 1];
    else if (ord === Number.POSITIVE_INFINITY || ord === Number.NEGATIVE_INFINITY)
      [inner, reduceMax] = [cd, ord > 0];
    else
      throw new RangeError(
        `matrixNorm: ord ${ord} is not supported (use 'fro', 1, -1, Infinity or -Infinity)`,
      );
    const sums = sum(abs(x), inner, { keepdim: true });
    const outer = inner === rd ? cd : rd;
    const r = reduceMax ? max(sums, outer, { keepdim: true }) : min(sums, outer, { keepdim: true });
    return keepdim
      ? r
      : reshape(
          r,
          x.shape.filter((_, i) => i !== rd && i !== cd),
        );
  });
}

/**
 * torch.norm: the Frobenius / 2-norm (default) or a p-norm over `dim` (default all),
 * as vectorNorm; `p: 'fro'` with two dims is matrixNorm's.
 */
export function norm(
  x: Tensor,
  p: number | 'fro' = 'fro',
  dim?: number | readonly number[] | null,
  opts: { keepdim?: boolean } = {},
): Tensor {
  return vectorNorm(x, p === 'fro' ? 2 : p, { dim, keepdim: opts.keepdim });
}

/**
 * F.cosine_similarity: sum(x1 * x2) / sqrt(max(sum(x1^2) * sum(x2^2), eps^2)) along `dim`
 * (default 1), broadcasting x1 and x2; eps default 1e-8 (PyTorch 1.13's formula).
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, opts: { dim?: number; eps?: number } = {}): Tensor {
  x1._check('cosineSimilarity');
  x2._check('cosineSimilarity');
  const dim = opts.dim ?? 1;
  const eps = opts.eps ?? 1e-8;
  return tidy(() => {
    const w12 = sum(mul(x1, x2), dim);
    const w1 = sum(mul(x1, x1), dim);
    const w2 = sum(mul(x2, x2), dim);
    return div(w12, sqrt(maximum(mul(w1, w2), eps * eps)));
  });
}

/**
 * F.pairwise_distance: the p-norm (default 2) of x1 - x2 + eps over the last dim
 * (eps default 1e-6, as PyTorch, which keeps the gradient finite at equal points).
 */
export function pairwiseDistance(
  x1: Tensor,
  x2: Tensor,
  opts: { p?: number; eps?: number; keepdim?: boolean } = {},
): Tensor {
  x1._check('pairwiseDistance');
  x2._check('pairwiseDistance');
  return tidy(() => {
    const d = sub(x1, x2).add(opts.eps ?? 1e-6);
    return vectorNorm(d, opts.p ?? 2, { dim: -1, keepdim: opts.keepdim ?? false });
  });
}

/**
 * torch.cdist: p-norm distances (default 2) between the rows of x1 [..., P, M] and x2
 * [..., R, M], giving [..., P, R]. Computed from the differences (PyTorch's exact path),
 * so equal rows are exactly 0 apart with gradient 0.
 */
export function cdist(x1: Tensor, x2: Tensor, opts: { p?: number } = {}): Tensor {
  x1._check('cdist');
  x2._check('cdist');
  if (x1.ndim < 2 || x2.ndim < 2 || x1.shape[x1.ndim - 1] !== x2.shape[x2.ndim - 1]) {
    throw new RangeError(
      `cdist: expected x1 [..., P, M] and x2 [..., R, M] with the same M, got ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`,
    );
  }
  return tidy(() => vectorNorm(sub(unsqueeze(x1, -2), unsqueeze(x2, -3)), opts.p ?? 2, { dim: -1 }));
}
