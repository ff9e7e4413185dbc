/**
 * Class-index and class-probability losses (nllLoss, crossEntropy) with PyTorch 1.13's
 * semantics: class weights, ignoreIndex, label smoothing and its weighting quirks. The
 * common training case (logits [N, C], no weight, no smoothing) runs as expression kernels
 * where the backend has them (loss-ce.ts).
 */
import { castF32, wantsF32 } from '../../amp/autocast.js';
import { where } from '../../ops/elementwise.js';
import { checkIndices, gatherUnchecked, indexSelectUnchecked } from '../../ops/indexing.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape, shapeEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor } from '../validate.js';
import { logSoftmax } from './activation.js';
import type { CrossEntropyOptions, NLLOptions, Reduction } from './loss.js';
import { fusedCrossEntropy } from './loss-ce.js';
import { checkReduction, requireFloat } from './loss-checks.js';

/** Check class-index targets against an input of shape (C), (N, C) or (N, C, d1, ...). */
function checkClassTarget(input: Tensor, target: Tensor, layer: string): void {
  const expected = input.ndim === 1 ? [] : input.shape.filter((_, i) => i !== 1);
  if (!shapeEqual(expected, target.shape)) {
    throw new RangeError(
      `${layer} expected target of shape ${fmtShape(expected)} for input of shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`,
    );
  }
}

function checkClassInput(input: Tensor, layer: string): void {
  requireFloat(input, layer, 'input');
  if (input.ndim === 0) {
    throw new RangeError(
      `${layer} expected an input of shape (C), (N, C) or (N, C, d1, ...), got a 0-D tensor`,
    );
  }
}

function checkWeight(weight: Tensor | null | undefined, classes: number, layer: string): void {
  if (!weight) return;
  requireFloat(weight, layer, 'weight');
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new RangeError(
      `${layer} expected weight of shape [${classes}] (one per class), got ${fmtShape(weight.shape)}`,
    );
  }
}

/**
 * Out-of-range classes are a clear error: at once where the backend reads synchronously, at
 * the next readback on an asynchronous device (core's device-side check, same message).
 */
function checkClassRange(
  target: Tensor,
  classes: number,
  ignoreIndex: number,
  layer: string,
  input: Tensor,
): void {
  checkIndices(
    target,
    classes,
    layer,
    (v) =>
      `${layer}: target ${v} is out of bounds for ${classes} classes (input of shape ${fmtShape(input.shape)})`,
    ignoreIndex,
  );
}

/** Class dim of the (possibly unbatched) input. */
function classDim(input: Tensor): number {
  return input.ndim === 1 ? 0 : 1;
}

/** Weight reshaped to broadcast along the class dim: [1, C, 1, ...], or [C] unbatched. */
function weightView(weight: Tensor, input: Tensor): Tensor {
  if (input.ndim === 1) return weight;
  return weight.reshape(input.shape.map((d, i) => (i === 1 ? d : 1)));
}

interface NLLParts {
  /** Per-element loss (0 where ignored), target's shape. */
  loss: Tensor;
  /** Per-element weight (0 where ignored), target's shape. */
  w: Tensor;
  ignored: Tensor;
}

function nllParts(logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): NLLParts {
  const ignored = target.eq(ignoreIndex);
  // Ignored targets may hold any value (-100): point them at class 0 and mask afterwards.
  const safe = where(ignored, 0, target);
  const cd = classDim(logp);
  // The targets were range-checked once by the caller (checkClassRange), in the loss's words.
  const picked = gatherUnchecked(logp, cd, safe.unsqueeze(cd)).squeeze(cd);
  const w0 = weight ? indexSelectUnchecked(weight, 0, safe.reshape([safe.size])).reshape(safe.shape) : null;
  const loss = where(ignored, 0, w0 ? picked.mul(w0).neg() : picked.neg());
  // In the input's dtype, so a float16 loss stays float16 (PyTorch's result dtype).
  const w = w0 ? where(ignored, 0, w0) : ignored.logicalNot().cast(logp.dtype);
  return { loss, w, ignored };
}

function nllReduce(p: NLLParts, reduction: Reduction): Tensor {
  if (reduction === 'none') return p.loss;
  if (reduction === 'sum') return p.loss.sum();
  // Weighted mean: divided by the total weight of the non-ignored targets (NaN if none).
  return p.loss.sum().div(p.w.sum());
}

/** The negative log likelihood of class-index targets given log-probabilities. */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLOptions = {}): Tensor {
  if (wantsF32(input, target)) return tidy(() => nllLoss(castF32(input), castF32(target), opts));
  return nllImpl(input, target, opts, 'NLLLoss');
}

function nllImpl(input: Tensor, target: Tensor, opts: NLLOptions, layer: string): Tensor {
  const reduction = opts.reduction ?? 'mean';
  const ignoreIndex = opts.ignoreIndex ?? -100;
  checkReduction(reduction, layer, opts);
  checkClassInput(input, layer);
  checkTensor(layer, 'target', target);
  if (target.dtype !== 'int32') {
    throw new TypeError(`${layer} expected an int32 target of class indices, got ${target.dtype}`);
  }
  checkClassTarget(input, target, layer);
  const classes = input.shape[classDim(input)];
  checkWeight(opts.weight, classes, layer);
  checkClassRange(target, classes, ignoreIndex, layer, input);
  return tidy(() => nllReduce(nllParts(input, target, opts.weight ?? null, ignoreIndex), reduction));
}

/**
 * Cross entropy of logits with class-index targets (int32) or class-probability targets
 * (float32, the input's shape), via logSoftmax.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  if (wantsF32(input, target)) return tidy(() => crossEntropy(castF32(input), castF32(target), opts));
  const layer = 'CrossEntropyLoss';
  const reduction = opts.reduction ?? 'mean';
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const ls = opts.labelSmoothing ?? 0;
  checkReduction(reduction, layer, opts);
  checkClassInput(input, layer);
  checkTensor(layer, 'target', target);
  if (!(ls >= 0 && ls <= 1)) {
    throw new RangeError(`${layer}: labelSmoothing must be between 0.0 and 1.0, got ${ls}`);
  }
  const cd = classDim(input);
  const classes = input.shape[cd];
  const weight = opts.weight ?? null;
  checkWeight(weight, classes, layer);
  if (isFloat(target.dtype)) {
    if (!shapeEqual(input.shape, target.shape)) {
      throw new RangeError(
        `${layer} expected target of shape ${fmtShape(input.shape)} (class probabilities) for input of shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`,
      );
    }
    return tidy(() => probTargetCE(input, target, weight, reduction, ls, cd, classes));
  }
  if (target.dtype !== 'int32') {
    throw new TypeError(
      `${layer} expected an int32 target (class indices) or a float32 target (class probabilities), got ${target.dtype}`,
    );
  }
  checkClassTarget(input, target, layer);
  checkClassRange(target, classes, ignoreIndex, layer, input);
  return tidy(() => {
    const fused = ls === 0 && !weight ? fusedCrossEntropy(input, target, reduction, ignoreIndex) : null;
    if (fused) return fused;
    const logp = logSoftmax(input, cd);
    const parts = nllParts(logp, target, weight, ignoreIndex);
    const nll = nllReduce(parts, reduction);
    if (ls === 0) return nll;
    // PyTorch 1.13's smoothing term: -sum_c w_c logp_c per element, 0 where ignored.
    const weighted = weight ? logp.mul(weightView(weight, logp)) : logp;
    const smooth = where(parts.ignored, 0, weighted.sum(cd).neg());
    let s: Tensor;
    if (reduction === 'none') s = smooth;
    else if (reduction === 'sum') s = smooth.sum();
    // Normalised like nll: by the total weight (or count) of the non-ignored targets.
    else s = smooth.sum().div(parts.w.sum());
    return nll.mul(1 - ls).add(s.mul(ls / classes));
  });
}

function probTargetCE(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null,
  reduction: Reduction,
  ls: number,
  cd: number,
  classes: number,
): Tensor {
  const logp = logSoftmax(input, cd);
  const t = ls > 0 ? target.mul(1 - ls).add(ls / classes) : target;
  let prod = logp.mul(t);
  if (weight) prod = prod.mul(weightView(weight, input));
  if (reduction === 'none') return prod.sum(cd).neg();
  if (reduction === 'sum') return prod.sum().neg();
  // Mean over the batch elements (numel / C); an empty input gives NaN as in PyTorch.
  const n = input.size / classes;
  return prod.sum().neg().div(n);
}

/** PyTorch's snake-case alias of F.crossEntropy. */
export { crossEntropy as crossEntropyLoss };
