/**
 * Loss functions with PyTorch 1.13's semantics: reductions, class weights, ignoreIndex,
 * label smoothing (including its weighting quirks), stable formulations, and gradients that
 * follow ATen's hand-written backward formulas where they differ from naive autograd.
 */
import { castF32, wantsF32 } from '../../amp/autocast.js';
import { isGradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { attach } from '../../autograd/node.js';
import { where } from '../../ops/elementwise.js';
import { checkIndices, gatherUnchecked, indexSelectUnchecked } from '../../ops/indexing.js';
import { scalarTensor } from '../../ops/kernel.js';
import { detach } from '../../ops/view.js';
import { deferRangeCheck } from '../../tensor/deferred-checks.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { broadcastShapes, fmtShape, shapeEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor } from '../validate.js';
import { logSoftmax } from './activation.js';
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

// ---- classification ---------------------------------------------------------------------

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

/**
 * PyTorch's check that BCE's input holds probabilities (NaN fails it too). It needs the
 * values: read at once where the backend reads synchronously, otherwise computed on the
 * device and reported at the next readback (deferred-checks.ts), like index bounds.
 */
function checkProbabilities(input: Tensor, layer: string): void {
  if (input.size === 0) return;
  const message = `${layer}: all elements of input should be between 0 and 1`;
  const flag = noGrad(() => tidy(() => input.ge(0).logicalAnd(input.le(1)).logicalNot().any()));
  if (!input.backend.readSync) {
    // The flag (0 or 1) must lie in [0, 1): a 1 is reported at the next readback.
    const asIndex = noGrad(() => flag.int());
    deferRangeCheck(asIndex, 1, `range:${layer}`, () => message);
    asIndex.dispose();
    flag.dispose();
    return;
  }
  let bad: boolean;
  try {
    bad = flag.dataSync()[0] !== 0;
  } finally {
    flag.dispose();
  }
  if (!bad) return;
  // The failing path only: find the first offending value to name it.
  const values = input.dataSync();
  const i = values.findIndex((v) => !(v >= 0 && v <= 1));
  throw new RangeError(
    `${message}, got ${values[i]} at flat index ${i} (input shape ${fmtShape(input.shape)})`,
  );
}

/**
 * Binary cross entropy on probabilities. log is clamped at -100 and the input gradient is
 * ATen's (x - y) / max(x (1 - x), 1e-12), so x = 0 or 1 gives finite values like PyTorch.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BCEOptions = {}): Tensor {
  if (wantsF32(input, target)) return tidy(() => binaryCrossEntropy(castF32(input), castF32(target), opts));
  const layer = 'BCELoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  requireFloat(input, layer, 'input');
  requireFloat(target, layer, 'target');
  checkSameShape(input, target, layer);
  const weight = opts.weight ?? null;
  if (weight) {
    requireFloat(weight, layer, 'weight');
    broadcastShapes(input.shape, weight.shape, layer);
  }
  checkProbabilities(input, layer);
  return tidy(() => {
    const x = detach(input);
    const y = detach(target);
    const logx = x.log().clamp(-100);
    const log1mx = x.neg().add(1).log().clamp(-100);
    let loss = y.mul(logx).add(y.neg().add(1).mul(log1mx)).neg();
    if (weight) loss = loss.mul(weight);
    loss = detach(loss);
    // The inputs themselves (not x, y): with createGraph the formula differentiates through them.
    const saved = weight ? [input, target, weight] : [input, target];
    loss = attach(loss, 'binaryCrossEntropy', [input, target], saved, (g, [sx, sy, sw]) => {
      const gw = sw ? g.mul(sw) : g;
      const one = scalarTensor(1, 'float32', sx.backend);
      const gx = gw.mul(sx.sub(sy)).div(sx.mul(one.sub(sx)).clamp(1e-12));
      // d/dy = -logit(x) = log(1 - x) - log(x), unclamped as in ATen (infinite at 0 and 1).
      const gy = gw.mul(one.sub(sx).log().sub(sx.log()));
      return [gx, gy];
    });
    return reduce(loss, reduction);
  });
}

/**
 * Sigmoid + binary cross entropy in one stable expression (PyTorch 1.13's):
 *   (1 - y) x + lw (log(e^-m + e^(-x-m)) + m),  m = max(-x, 0),  lw = 1 + (posWeight - 1) y.
 * posWeight broadcasts against the input (usually one value per class, the last dim).
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: BCEWithLogitsOptions = {},
): Tensor {
  if (wantsF32(input, target))
    return tidy(() => binaryCrossEntropyWithLogits(castF32(input), castF32(target), opts));
  const layer = 'BCEWithLogitsLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  requireFloat(input, layer, 'input');
  requireFloat(target, layer, 'target');
  checkSameShape(input, target, layer);
  const weight = opts.weight ?? null;
  const posWeight = opts.posWeight ?? null;
  if (weight) {
    requireFloat(weight, layer, 'weight');
    broadcastShapes(input.shape, weight.shape, layer);
  }
  if (posWeight) {
    requireFloat(posWeight, layer, 'posWeight');
    const s = broadcastShapes(input.shape, posWeight.shape, layer);
    if (!shapeEqual(s, input.shape)) {
      throw new RangeError(
        `${layer} expected posWeight broadcastable to the input shape ${fmtShape(input.shape)}, got ${fmtShape(posWeight.shape)}`,
      );
    }
  }
  return tidy(() => {
    const f = weight || posWeight ? null : fusedLoss('bceWithLogits', input, target, reduction);
    if (f) return f;
    const x = detach(input);
    const y = detach(target);
    const m = x.neg().clamp(0);
    // softplus(-x) = log(1 + e^-x), computed without overflow.
    const sp = m.neg().exp().add(x.neg().sub(m).exp()).log().add(m);
    const lw = posWeight ? detach(posWeight).sub(1).mul(y).add(1) : null;
    let loss = y
      .neg()
      .add(1)
      .mul(x)
      .add(lw ? lw.mul(sp) : sp);
    if (weight) loss = loss.mul(weight);
    loss = detach(loss);
    const saved = [input, target, sp, weight ?? x, posWeight ?? x];
    const hasW = weight !== null;
    const hasPw = posWeight !== null;
    loss = attach(
      loss,
      'binaryCrossEntropyWithLogits',
      [input, target],
      saved,
      (g, [sx, sy, ssp, sw, spw]) => {
        const gw = hasW ? g.mul(sw) : g;
        // ATen: d/dx = (pw y + 1 - y) sigmoid(x) - pw y;  d/dy = -x + (pw - 1) softplus(-x).
        let gx: Tensor;
        let gy: Tensor;
        if (hasPw) {
          const t = spw.mul(sy);
          gx = t.add(1).sub(sy).mul(sx.sigmoid()).sub(t);
          // sp was computed from a detached x: with createGraph, again from sx, so d(gy)/dx has its term.
          const sp2 = isGradEnabled() ? sx.neg().clamp(0) : null;
          const spx = sp2 ? sp2.neg().exp().add(sx.neg().sub(sp2).exp()).log().add(sp2) : ssp;
          gy = sx.neg().add(spw.sub(1).mul(spx));
        } else {
          gx = sx.sigmoid().sub(sy);
          gy = sx.neg();
        }
        return [gw.mul(gx), gw.mul(gy)];
      },
    );
    return reduce(loss, reduction);
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

/** PyTorch's snake-case alias of F.crossEntropy. */
export { crossEntropy as crossEntropyLoss };
