/**
 * Margin and ranking losses with PyTorch 1.13's semantics: marginRankingLoss,
 * hingeEmbeddingLoss, softMarginLoss, multilabelSoftMarginLoss, multilabelMarginLoss,
 * multiMarginLoss and tripletMarginLoss. Gradients come from autograd through the same
 * compositions ATen uses (strict `> 0` hinges, so a loss exactly at the margin has gradient 0).
 */

import { arange } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { checkIndices, gatherUnchecked, indexSelectUnchecked } from '../../ops/indexing.js';
import { cumsum } from '../../ops/scan.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { broadcastShapes, fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptionalTensor, checkTensor } from '../validate.js';
import { logSigmoid } from './activation.js';
import { checkNormDegree, pairwiseImpl } from './distance-impl.js';
import type { ReductionOptions } from './loss.js';
import { checkReduction, checkSameShape, reduce, requireFloat } from './loss-checks.js';

/** Options of marginRankingLoss / nn.MarginRankingLoss. */
export interface MarginRankingOptions extends ReductionOptions {
  /** How far input1 must exceed input2 (for target 1) before the pair costs nothing (default 0). */
  margin?: number;
}
/** Options of hingeEmbeddingLoss / nn.HingeEmbeddingLoss. */
export interface HingeEmbeddingOptions extends ReductionOptions {
  /** For target -1, inputs above this cost nothing (default 1). */
  margin?: number;
}
/** Options of multilabelSoftMarginLoss / nn.MultiLabelSoftMarginLoss. */
export interface MultilabelSoftMarginOptions extends ReductionOptions {
  /** Rescaling weight per class `[C]`. */
  weight?: Tensor | null;
}
/** Options of multiMarginLoss / nn.MultiMarginLoss. */
export interface MultiMarginOptions extends ReductionOptions {
  /** The hinge's power: 1 or 2 (default 1). */
  p?: number;
  /** The margin the target class must win by (default 1). */
  margin?: number;
  /** Rescaling weight per class `[C]`, applied by the target's class. */
  weight?: Tensor | null;
}
/** Options of tripletMarginLoss / nn.TripletMarginLoss. */
export interface TripletMarginOptions extends ReductionOptions {
  /** How much closer the positive must be than the negative (default 1). */
  margin?: number;
  /** The norm degree of the pairwise distance (default 2). */
  p?: number;
  /** Added to differences before the norm (default 1e-6). */
  eps?: number;
  /** Use the smaller of d(anchor, negative) and d(positive, negative) (the distance swap; default false). */
  swap?: boolean;
}

/** A ±1 target: a float one as given, int32 converted (PyTorch promotes); bool is refused. */
function signTarget(t: Tensor, layer: string, what = 'target'): Tensor {
  checkTensor(layer, what, t);
  if (t.dtype === 'bool') throw new TypeError(`${layer} expected a ${what} of 1 and -1 values, got bool`);
  return isFloat(t.dtype) ? t : t.float();
}

function checkBroadcast(layer: string, ...named: [string, Tensor][]): void {
  let shape: readonly number[] = [];
  for (const [, t] of named) {
    try {
      shape = broadcastShapes(shape, t.shape, layer);
    } catch {
      const all = named.map(([n, x]) => `${n} ${fmtShape(x.shape)}`).join(', ');
      throw new RangeError(`${layer}: the shapes of ${all} do not broadcast`);
    }
  }
}

/** `max(0, -target * (input1 - input2) + margin)`: inputs of equal rank, broadcast. */
export function marginRankingLoss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  opts: MarginRankingOptions = {},
): Tensor {
  const layer = 'MarginRankingLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  requireFloat(input1, layer, 'input1');
  requireFloat(input2, layer, 'input2');
  const y = signTarget(target, layer);
  if (input1.ndim !== input2.ndim || input1.ndim !== target.ndim) {
    throw new RangeError(
      `${layer}: all inputs must have the same number of dims, got input1 ${fmtShape(input1.shape)}, input2 ${fmtShape(input2.shape)}, target ${fmtShape(target.shape)}`,
    );
  }
  checkBroadcast(layer, ['input1', input1], ['input2', input2], ['target', target]);
  const margin = opts.margin ?? 0;
  return tidy(() => reduce(y.neg().mul(input1.sub(input2)).add(margin).clamp(0), reduction));
}

/**
 * `input` where target is 1, `max(0, margin - input)` where target is -1 (ATen's form: any other
 * target value adds both terms).
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, opts: HingeEmbeddingOptions = {}): Tensor {
  const layer = 'HingeEmbeddingLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  requireFloat(input, layer, 'input');
  const y = signTarget(target, layer);
  checkBroadcast(layer, ['input', input], ['target', target]);
  const margin = opts.margin ?? 1;
  return tidy(() => {
    const marginTerm = where(y.ne(1), input.neg().add(margin).clamp(0), 0);
    const selfTerm = where(y.ne(-1), input, 0);
    return reduce(marginTerm.add(selfTerm), reduction);
  });
}

/** The two-class logistic loss `log(1 + exp(-target * input))`, as ATen computes it. */
export function softMarginLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const layer = 'SoftMarginLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  requireFloat(input, layer, 'input');
  const y = signTarget(target, layer);
  checkBroadcast(layer, ['input', input], ['target', target]);
  return tidy(() => reduce(input.neg().mul(y).exp().log1p(), reduction));
}

/**
 * One-versus-all logistic loss over C classes: `-(y log sigmoid(x) + (1 - y) log sigmoid(-x))`,
 * weighted per class, averaged over the last (class) dim; then reduced over the rest.
 */
export function multilabelSoftMarginLoss(
  input: Tensor,
  target: Tensor,
  opts: MultilabelSoftMarginOptions = {},
): Tensor {
  const layer = 'MultiLabelSoftMarginLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  requireFloat(input, layer, 'input');
  const y = signTarget(target, layer);
  if (input.ndim === 0)
    throw new RangeError(`${layer} expected an input of shape (C) or (N, C), got a 0-D tensor`);
  checkBroadcast(layer, ['input', input], ['target', target]);
  checkOptionalTensor(layer, 'weight', opts.weight);
  const weight = opts.weight ?? null;
  if (weight) requireFloat(weight, layer, 'weight');
  if (weight) checkBroadcast(layer, ['input', input], ['weight', weight]);
  const cd = input.ndim - 1;
  const classes = input.shape[cd];
  return tidy(() => {
    let loss = y
      .mul(logSigmoid(input))
      .add(y.neg().add(1).mul(logSigmoid(input.neg())))
      .neg();
    if (weight) loss = loss.mul(weight);
    return reduce(loss.sum(cd).div(classes), reduction);
  });
}

/** Input (C) or (N, C); returns [batched input, classes]. */
function classRows(input: Tensor, layer: string): [Tensor, number] {
  if (input.ndim > 2) {
    throw new RangeError(
      `${layer} expected an input of shape (C) or (N, C), got ${input.ndim}-D input of shape ${fmtShape(input.shape)}`,
    );
  }
  const x = input.ndim === 2 ? input : input.reshape([1, input.ndim === 0 ? 1 : input.shape[0]]);
  return [x, x.shape[1]];
}

function intTarget(target: Tensor, layer: string): void {
  checkTensor(layer, 'target', target);
  if (target.dtype !== 'int32') {
    throw new TypeError(`${layer} expected an int32 target of class indices, got ${target.dtype}`);
  }
}

/**
 * Multi-class multi-label hinge loss: each row of the int32 target lists class indices, ended by the
 * first -1; every (target class j, non-target class i) pair costs `max(0, 1 - (x[j] - x[i]))`,
 * summed and divided by C.
 */
export function multilabelMarginLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const layer = 'MultiLabelMarginLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  requireFloat(input, layer, 'input');
  intTarget(target, layer);
  const [x, classes] = classRows(input, layer);
  checkSameShape(input, target, layer);
  checkIndices(
    target,
    classes,
    layer,
    (v) => `${layer}: target ${v} is out of range for ${classes} classes (use -1 to end a row's targets)`,
    -1,
  );
  return tidy(() => {
    const t = target.reshape(x.shape);
    // A target entry counts while no -1 has been seen in its row.
    const valid = cumsum(t.eq(-1).int(), 1).eq(0);
    const safe = where(valid, t, 0);
    const classIds = arange(0, classes, 1, { dtype: 'int32', backend: x.backend });
    // isTarget[n, i]: class i is one of row n's targets.
    const isTarget = safe.unsqueeze(2).eq(classIds).logicalAnd(valid.unsqueeze(2)).int().sum(1).gt(0);
    const picked = gatherUnchecked(x, 1, safe); // [N, C]: x at each target slot
    // z[n, j, i] = 1 - x[n, t_j] + x[n, i], counted for valid slots j and non-target classes i.
    const z = x.unsqueeze(1).sub(picked.unsqueeze(2)).add(1);
    const keep = valid.unsqueeze(2).logicalAnd(isTarget.logicalNot().unsqueeze(1)).logicalAnd(z.gt(0));
    const loss = where(keep, z, 0).sum([1, 2]).div(classes);
    return reduce(input.ndim === 2 ? loss : loss.reshape([]), reduction);
  });
}

/**
 * Multi-class hinge loss: `sum over i != y of max(0, margin - x[y] + x[i])^p * weight[y]`, divided by
 * C; input (C) or (N, C), int32 target () or (N).
 */
export function multiMarginLoss(input: Tensor, target: Tensor, opts: MultiMarginOptions = {}): Tensor {
  const layer = 'MultiMarginLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  requireFloat(input, layer, 'input');
  intTarget(target, layer);
  const p = opts.p ?? 1;
  if (p !== 1 && p !== 2) throw new RangeError(`${layer}: only p = 1 and p = 2 are supported, got ${p}`);
  const margin = opts.margin ?? 1;
  const [x, classes] = classRows(input, layer);
  if (target.ndim > 1 || target.size !== x.shape[0]) {
    throw new RangeError(
      `${layer} expected a target of ${x.shape[0]} class indices for input of shape ${fmtShape(input.shape)}, got target of shape ${fmtShape(target.shape)}`,
    );
  }
  checkOptionalTensor(layer, 'weight', opts.weight);
  const weight = opts.weight ?? null;
  if (weight) {
    requireFloat(weight, layer, 'weight');
    if (weight.ndim !== 1 || weight.shape[0] !== classes) {
      throw new RangeError(
        `${layer} expected weight of shape [${classes}] (one per class), got ${fmtShape(weight.shape)}`,
      );
    }
  }
  checkIndices(target, classes, layer, (v) => `${layer}: target ${v} is out of range for ${classes} classes`);
  return tidy(() => {
    const t = target.reshape([x.shape[0], 1]);
    const z = x.sub(gatherUnchecked(x, 1, t)).add(margin);
    const others = t.ne(arange(0, classes, 1, { dtype: 'int32', backend: x.backend }));
    let h = where(others.logicalAnd(z.gt(0)), p === 1 ? z : z.square(), 0);
    if (weight) h = h.mul(indexSelectUnchecked(weight, 0, t.reshape([x.shape[0]])).unsqueeze(1));
    const loss = h.sum(1).div(classes).reshape(target.shape);
    return reduce(loss, reduction);
  });
}

/**
 * `max(0, margin + d(anchor, positive) - d(anchor, negative))` with d the pairwise p-norm distance
 * (the negative distance is the smaller of d(a, n) and d(p, n) when `swap`).
 */
export function tripletMarginLoss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  opts: TripletMarginOptions = {},
): Tensor {
  const layer = 'TripletMarginLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  requireFloat(anchor, layer, 'anchor');
  requireFloat(positive, layer, 'positive');
  requireFloat(negative, layer, 'negative');
  const nd = anchor.ndim;
  if (positive.ndim !== nd || negative.ndim !== nd || (nd !== 1 && nd !== 2)) {
    throw new RangeError(
      `${layer} expected anchor, positive and negative all 1-D (unbatched) or all 2-D (batched), got ${fmtShape(anchor.shape)}, ${fmtShape(positive.shape)} and ${fmtShape(negative.shape)}`,
    );
  }
  checkBroadcast(layer, ['anchor', anchor], ['positive', positive], ['negative', negative]);
  const p = opts.p ?? 2;
  checkNormDegree(p, layer);
  const d = { p, eps: opts.eps ?? 1e-6 };
  return tidy(() => {
    const dPos = pairwiseImpl(anchor, positive, d, layer);
    let dNeg = pairwiseImpl(anchor, negative, d, layer);
    if (opts.swap) dNeg = dNeg.minimum(pairwiseImpl(positive, negative, d, layer));
    return reduce(
      dPos
        .sub(dNeg)
        .add(opts.margin ?? 1)
        .clamp(0),
      reduction,
    );
  });
}
