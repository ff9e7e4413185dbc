/**
 * The distances behind F.pairwiseDistance and F.cosineSimilarity, with errors in a caller's name
 * (the modules, TripletMarginLoss). Internal: not re-exported from F.
 * @internal
 * @packageDocumentation
 */
import { attach } from '../../autograd/node.js';
import { detach } from '../../ops/view.js';
import { tidy } from '../../tensor/scope.js';
import { broadcastShapes, fmtShape, normDim } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions } from '../validate.js';
import type { CosineSimilarityOptions, PairwiseDistanceOptions } from './distance.js';
import { requireFloat } from './linear.js';

/** @internal The option names of PairwiseDistance / TripletMarginLoss's distance. */
export const PAIRWISE_KEYS = ['p', 'eps', 'keepdim'] as const;

/**
 * The p-norm of `d` along `dim`, as torch.norm: p = Infinity is the largest magnitude, p = 0 the count of
 * non-zeros (no gradient), otherwise (sum |d|^p)^(1/p).
 * @internal
 */
export function pNorm(d: Tensor, p: number, dim: number, keepdim: boolean): Tensor {
  if (p === Number.POSITIVE_INFINITY) return d.abs().max(dim, { keepdim });
  if (p === 0) return detach(d.ne(0).float()).sum(dim, { keepdim });
  if (p === 1) return d.abs().sum(dim, { keepdim });
  if (p === 2) return d.square().sum(dim, { keepdim }).sqrt();
  return d
    .abs()
    .pow(p)
    .sum(dim, { keepdim })
    .pow(1 / p);
}

/** @internal Throw unless p is a valid norm degree for `layer`. */
export function checkNormDegree(p: number, layer: string): void {
  if (typeof p !== 'number' || Number.isNaN(p) || p < 0) {
    throw new RangeError(`${layer}: p must be a non-negative number (or Infinity), got ${p}`);
  }
}

/** @internal pairwiseDistance with errors in `layer`'s name. */
export function pairwiseImpl(x1: Tensor, x2: Tensor, opts: PairwiseDistanceOptions, layer: string): Tensor {
  checkOptions(layer, opts, PAIRWISE_KEYS);
  requireFloat(x1, layer, 'x1');
  requireFloat(x2, layer, 'x2');
  const p = opts.p ?? 2;
  checkNormDegree(p, layer);
  const eps = opts.eps ?? 1e-6;
  const ndim = Math.max(x1.ndim, x2.ndim);
  if (ndim === 0) throw new RangeError(`${layer}: expected inputs with at least 1 dim, got two 0-D tensors`);
  broadcastShapes(x1.shape, x2.shape, layer);
  return tidy(() => pNorm(x1.sub(x2).add(eps), p, ndim - 1, opts.keepdim ?? false));
}

/**
 * The norm along `dim` clamped below at eps, with ATen's gradient `x / clamped norm` (PyTorch clamps
 * the norm in place outside autograd, so its backward sees the clamped value).
 */
function clampedNorm(x: Tensor, dim: number, eps: number): Tensor {
  const n = detach(x).square().sum(dim, { keepdim: true }).sqrt().clamp(eps);
  return attach(n, 'cosineSimilarityNorm', [x], [x, n], (g, [sx, sn]) => [g.mul(sx).div(sn)]);
}

/** @internal cosineSimilarity with errors in `layer`'s name. */
export function cosineImpl(x1: Tensor, x2: Tensor, opts: CosineSimilarityOptions, layer: string): Tensor {
  checkOptions(layer, opts, ['dim', 'eps']);
  requireFloat(x1, layer, 'x1');
  requireFloat(x2, layer, 'x2');
  const eps = opts.eps ?? 1e-8;
  let shape: number[];
  try {
    shape = broadcastShapes(x1.shape, x2.shape, layer);
  } catch {
    throw new RangeError(
      `${layer}: x1 of shape ${fmtShape(x1.shape)} and x2 of shape ${fmtShape(x2.shape)} do not broadcast`,
    );
  }
  const dim = normDim(opts.dim ?? 1, Math.max(shape.length, 1), layer);
  return tidy(() => {
    const a = x1.expand(shape);
    const b = x2.expand(shape);
    return a
      .div(clampedNorm(a, dim, eps))
      .mul(b.div(clampedNorm(b, dim, eps)))
      .sum(dim);
  });
}
