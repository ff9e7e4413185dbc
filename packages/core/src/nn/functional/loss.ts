/**
 * Loss functions with PyTorch 1.13's semantics: reductions, class weights, ignoreIndex,
 * label smoothing (including its weighting quirks), stable formulations, and gradients that
 * follow ATen's hand-written backward formulas where they differ from naive autograd. This
 * file holds the options, the regression losses, KL divergence and the cosine embedding
 * loss; classification is in loss-class.ts, binary cross entropy in loss-bce.ts.
 */
import { castF32, wantsF32 } from '../../amp/autocast.js';
import { where } from '../../ops/elementwise.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape, shapeEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor } from '../validate.js';
import { checkPair, checkReduction, checkSameShape, reduce, requireFloat } from './loss-checks.js';
import { fusedLoss } from './loss-programs.js';

/**
 * How a loss combines per-element losses: their (weighted) mean, their sum, or none (the per-element
 * tensor).
 */
export type Reduction = 'mean' | 'sum' | 'none';
/**
 * {@link Reduction}, or `'batchmean'`: the sum divided by the batch size (the mathematically correct KL
 * divergence).
 */
export type KLReduction = Reduction | 'batchmean';

/** Options of every loss. */
export interface ReductionOptions {
  /** Default `'mean'`. */
  reduction?: Reduction;
}
/** Options of smoothL1Loss / nn.SmoothL1Loss. */
export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 is the L1 loss). */
  beta?: number;
}
/** Options of huberLoss / nn.HuberLoss. */
export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}
/** Options of nllLoss / nn.NLLLoss. */
export interface NLLOptions extends ReductionOptions {
  /** Rescaling weight per class `[C]`; the mean divides by the summed weights of the targets. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, to the loss or to the mean's divisor (default -100). */
  ignoreIndex?: number;
}
/** Options of crossEntropy / nn.CrossEntropyLoss. */
export interface CrossEntropyOptions extends NLLOptions {
  /** Mix the target with the uniform distribution by this amount, in [0, 1] (default 0). */
  labelSmoothing?: number;
}
/** Options of binaryCrossEntropy / nn.BCELoss. */
export interface BCEOptions extends ReductionOptions {
  /** Rescaling weight per element, broadcast to the input. */
  weight?: Tensor | null;
}
/** Options of binaryCrossEntropyWithLogits / nn.BCEWithLogitsLoss. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /**
   * Weight of positive examples per class (broadcast along the last dim), to trade recall against
   * precision.
   */
  posWeight?: Tensor | null;
}
/** Options of klDiv / nn.KLDivLoss. */
export interface KLDivOptions {
  /** Default `'mean'` (as PyTorch; `'batchmean'` gives the true KL divergence). */
  reduction?: KLReduction;
  /** The target is given as log-probabilities (default false). */
  logTarget?: boolean;
}
/** Options of cosineEmbeddingLoss / nn.CosineEmbeddingLoss. */
export interface CosineEmbeddingOptions extends ReductionOptions {
  /** For `target = -1`, similarities below this cost nothing (default 0; in [-1, 1]). */
  margin?: number;
}

// ---- regression -----------------------------------------------------------------------------

/**
 * Mean squared error `(input - target)^2`, reduced. The target broadcasts to the input (PyTorch only
 * warns); shapes that cannot broadcast throw.
 */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  // autocast: losses run in float32.
  if (wantsF32(input, target)) return tidy(() => mseLoss(castF32(input), castF32(target), opts));
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, 'MSELoss', opts);
  checkPair(input, target, 'MSELoss');
  return tidy(
    () => fusedLoss('mse', input, target, reduction) ?? reduce(input.sub(target).square(), reduction),
  );
}

/** Mean absolute error `|input - target|`, reduced; the target broadcasts as in {@link mseLoss}. */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  if (wantsF32(input, target)) return tidy(() => l1Loss(castF32(input), castF32(target), opts));
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, 'L1Loss', opts);
  checkPair(input, target, 'L1Loss');
  return tidy(() => fusedLoss('l1', input, target, reduction) ?? reduce(input.sub(target).abs(), reduction));
}

/** 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta; beta = 0 is the L1 loss. */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1Options = {}): Tensor {
  if (wantsF32(input, target)) return tidy(() => smoothL1Loss(castF32(input), castF32(target), opts));
  const reduction = opts.reduction ?? 'mean';
  const beta = opts.beta ?? 1.0;
  checkReduction(reduction, 'SmoothL1Loss', opts);
  if (beta < 0) throw new RangeError(`SmoothL1Loss: beta must be non-negative, got ${beta}`);
  checkPair(input, target, 'SmoothL1Loss');
  return tidy(() => {
    const f =
      beta === 0
        ? fusedLoss('l1', input, target, reduction)
        : fusedLoss('smoothL1', input, target, reduction, [beta, 0.5 / beta, 0.5 * beta]);
    if (f) return f;
    const d = input.sub(target);
    const a = d.abs();
    if (beta === 0) return reduce(a, reduction);
    return reduce(where(a.lt(beta), d.square().mul(0.5 / beta), a.sub(0.5 * beta)), reduction);
  });
}

/** 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta). */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  if (wantsF32(input, target)) return tidy(() => huberLoss(castF32(input), castF32(target), opts));
  const reduction = opts.reduction ?? 'mean';
  const delta = opts.delta ?? 1.0;
  checkReduction(reduction, 'HuberLoss', opts);
  if (!(delta > 0)) throw new RangeError(`HuberLoss: delta must be positive, got ${delta}`);
  checkPair(input, target, 'HuberLoss');
  return tidy(() => {
    const f = fusedLoss('huber', input, target, reduction, [delta, 0.5 * delta]);
    if (f) return f;
    const d = input.sub(target);
    const a = d.abs();
    return reduce(where(a.lt(delta), d.square().mul(0.5), a.sub(0.5 * delta).mul(delta)), reduction);
  });
}

/**
 * KL divergence with `input` as log-probabilities: target (log target - input), with
 * 0 log 0 = 0. 'batchmean' divides the sum by the batch size (input.shape[0]); 'mean' is
 * the elementwise mean (PyTorch's default, which it warns about).
 */
export function klDiv(input: Tensor, target: Tensor, opts: KLDivOptions = {}): Tensor {
  if (wantsF32(input, target)) return tidy(() => klDiv(castF32(input), castF32(target), opts));
  const layer = 'KLDivLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts, true);
  checkPair(input, target, layer);
  return tidy(() => {
    let loss: Tensor;
    if (opts.logTarget) loss = target.exp().mul(target.sub(input));
    else {
      // xlogy(t, t): exactly 0 where t == 0 (log of 1 there keeps the gradient finite).
      const tlogt = target.mul(where(target.eq(0), 1, target).log());
      loss = tlogt.sub(target.mul(input));
    }
    if (reduction === 'batchmean') {
      const n = input.ndim === 0 ? 1 : input.shape[0];
      return loss.sum().div(n);
    }
    return reduce(loss, reduction);
  });
}

/**
 * 1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1, with ATen's
 * cosine: sum(x1 x2) / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)) along the last dim.
 */
export function cosineEmbeddingLoss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  opts: CosineEmbeddingOptions = {},
): Tensor {
  if (wantsF32(input1, input2)) {
    return tidy(() => cosineEmbeddingLoss(castF32(input1), castF32(input2), target, opts));
  }
  const layer = 'CosineEmbeddingLoss';
  const reduction = opts.reduction ?? 'mean';
  const margin = opts.margin ?? 0;
  checkReduction(reduction, layer, opts);
  requireFloat(input1, layer, 'input1');
  requireFloat(input2, layer, 'input2');
  checkTensor(layer, 'target', target);
  if (target.dtype === 'bool') throw new TypeError(`${layer} expected a target of 1 and -1 values, got bool`);
  if (input1.ndim !== 1 && input1.ndim !== 2) {
    throw new RangeError(
      `${layer} expected 1-D (unbatched) or 2-D (batched) inputs, got ${input1.ndim}-D input of shape ${fmtShape(input1.shape)}`,
    );
  }
  checkSameShape(input1, input2, layer, 'input2');
  const expected = input1.ndim === 2 ? [input1.shape[0]] : [];
  if (!shapeEqual(expected, target.shape)) {
    throw new RangeError(
      `${layer} expected target of shape ${fmtShape(expected)} for inputs of shape ${fmtShape(input1.shape)}, got ${fmtShape(target.shape)}`,
    );
  }
  return tidy(() => {
    const d = input1.ndim - 1;
    const prod = input1.mul(input2).sum(d);
    const m1 = input1.mul(input1).sum(d).add(1e-12);
    const m2 = input2.mul(input2).sum(d).add(1e-12);
    const cos = prod.div(m1.mul(m2).sqrt());
    const pos = where(target.eq(1), cos.neg().add(1), 0);
    const neg = where(target.eq(-1), cos.sub(margin).clamp(0), 0);
    return reduce(pos.add(neg), reduction);
  });
}

export * from './loss-bce.js';
export * from './loss-class.js';
