/**
 * Likelihood losses of PyTorch 1.13: poissonNllLoss and gaussianNllLoss, with their options
 * (logInput, full's Stirling and log(2 pi) terms, eps) and var's homoscedastic shapes.
 */
import { where } from '../../ops/elementwise.js';
import { checkIndices } from '../../ops/indexing.js';
import { detach } from '../../ops/view.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape, shapeEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ReductionOptions } from './loss.js';
import { checkPair, checkReduction, reduce, requireFloat } from './loss-checks.js';

/** Options of poissonNllLoss / nn.PoissonNLLLoss. */
export interface PoissonNLLOptions extends ReductionOptions {
  /** The input is the log of the rate: loss `exp(input) - target * input` (default true). */
  logInput?: boolean;
  /** Add the Stirling approximation of log(target!) for targets above 1 (default false). */
  full?: boolean;
  /** Keeps log(input + eps) finite when logInput is false (default 1e-8). */
  eps?: number;
}

/** Options of gaussianNllLoss / nn.GaussianNLLLoss. */
export interface GaussianNLLOptions extends ReductionOptions {
  /** Add the constant `0.5 log(2 pi)` (default false). */
  full?: boolean;
  /** Variances are clamped below at eps, outside autograd as PyTorch does (default 1e-6). */
  eps?: number;
}

/**
 * Negative log likelihood of a Poisson-distributed target: `exp(input) - target * input` with
 * `logInput`, else `input - target * log(input + eps)`; `full` adds
 * `target log(target) - target + 0.5 log(2 pi target)` where target > 1.
 */
export function poissonNllLoss(input: Tensor, target: Tensor, opts: PoissonNLLOptions = {}): Tensor {
  const layer = 'PoissonNLLLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  checkPair(input, target, layer);
  const eps = opts.eps ?? 1e-8;
  return tidy(() => {
    let loss =
      opts.logInput === false
        ? input.sub(target.mul(input.add(eps).log()))
        : input.exp().sub(target.mul(input));
    if (opts.full) {
      // Where target <= 1 the term is masked to 0 (and log(0) never reaches the result or its gradient).
      const safe = where(target.gt(1), target, 2);
      const stirling = safe
        .mul(safe.log())
        .sub(safe)
        .add(
          safe
            .mul(2 * Math.PI)
            .log()
            .mul(0.5),
        );
      loss = loss.add(where(target.gt(1), stirling, 0));
    }
    return reduce(loss, reduction);
  });
}

/**
 * Negative log likelihood of a Gaussian target with predicted mean `input` and variance `var`:
 * `0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps))` (+ 0.5 log(2 pi) if `full`).
 * `var` has the input's shape (heteroscedastic), or that shape with the last dim 1 or dropped
 * (one variance per sample).
 */
export function gaussianNllLoss(
  input: Tensor,
  target: Tensor,
  variance: Tensor,
  opts: GaussianNLLOptions = {},
): Tensor {
  const layer = 'GaussianNLLLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  checkPair(input, target, layer);
  requireFloat(variance, layer, 'var');
  const eps = opts.eps ?? 1e-6;
  let v = variance;
  if (!shapeEqual(variance.shape, input.shape)) {
    const lead = input.shape.slice(0, -1);
    const droppedLast = shapeEqual(lead, variance.shape);
    const lastIsOne =
      variance.ndim === input.ndim &&
      shapeEqual(lead, variance.shape.slice(0, -1)) &&
      variance.shape.at(-1) === 1;
    if (!droppedLast && !lastIsOne) {
      throw new RangeError(
        `${layer} expected var of shape ${fmtShape(input.shape)} (the input's), or with the last dim 1 or dropped, got ${fmtShape(variance.shape)}`,
      );
    }
    if (droppedLast) v = variance.unsqueeze(-1);
  }
  // PyTorch raises for negative variances; this is core's usual synchronous-or-deferred check.
  tidy(() =>
    checkIndices(detach(variance.lt(0)).int(), 1, layer, () => `${layer}: var has negative entries`),
  );
  return tidy(() => {
    // clamp_ under no_grad in PyTorch: the clamped value, but the gradient of var itself.
    const vc = v.add(detach(v.clamp(eps).sub(v)));
    let loss = vc.log().add(input.sub(target).square().div(vc)).mul(0.5);
    if (opts.full) loss = loss.add(0.5 * Math.log(2 * Math.PI));
    return reduce(loss, reduction);
  });
}
