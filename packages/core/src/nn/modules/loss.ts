/**
 * Loss modules: thin wrappers over F. Class weights are buffers named as in PyTorch
 * (`weight`, `pos_weight`), so they appear in the state dict and move with `to()`.
 */

import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../functional/loss.js';
import { Module } from '../module.js';
import { LOSS_KEYS as KEYS } from '../option-keys.js';
import { checkOptions, forwardSignature } from '../validate.js';
import { Loss } from './loss-base.js';

/**
 * Mean squared error (torch.nn.MSELoss): `forward(input, target)` with target broadcastable to input; a
 * scalar unless `reduction: 'none'`.
 */
export class MSELoss extends Loss {
  constructor(opts: F.ReductionOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error (torch.nn.L1Loss). */
export class L1Loss extends Loss {
  constructor(opts: F.ReductionOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Quadratic below `beta`, linear above (torch.nn.SmoothL1Loss; beta 1). */
export class SmoothL1Loss extends Loss {
  /** Quadratic-to-linear switch point. */
  readonly beta: number;
  constructor(opts: F.SmoothL1Options = {}) {
    super(opts, KEYS.SmoothL1Loss);
    this.beta = opts.beta ?? 1.0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Quadratic below `delta`, linear above, scaled by delta (torch.nn.HuberLoss; delta 1). */
export class HuberLoss extends Loss {
  /** Quadratic-to-linear switch point. */
  readonly delta: number;
  constructor(opts: F.HuberOptions = {}) {
    super(opts, KEYS.HuberLoss);
    this.delta = opts.delta ?? 1.0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * Negative log likelihood of int32 class targets given log-probabilities (torch.nn.NLLLoss):
 * `forward(input [N, C] or [N, C, d1, ...] or [C], target [N] or [N, d1, ...] or [])`. Pair with
 * {@link LogSoftmax}. Throws on a target outside `[0, C)` other than ignoreIndex (where the backend reads
 * synchronously).
 */
export class NLLLoss extends Loss {
  /** Buffer: class weights `[C]`, or null. */
  declare weight: Tensor | null;
  /** Target value that is skipped (default -100). */
  readonly ignoreIndex: number;
  constructor(opts: F.NLLOptions = {}) {
    super(opts, KEYS.NLLLoss);
    this.registerBuffer('weight', opts.weight ?? null);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
    });
  }
}

/**
 * Cross entropy of logits (torch.nn.CrossEntropyLoss): logSoftmax over the class dim, then
 * NLL. `forward(input [N, C, ...], target)` with int32 class indices `[N, ...]` or float
 * class probabilities shaped like input. Options: weight, ignoreIndex (-100), labelSmoothing (0),
 * reduction.
 *
 * @example
 * ```ts
 * const ce = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const logits = model.forward(images);                      // [N, 10]
 * const loss = ce.forward(logits, labels);                   // labels int32 [N]
 * loss.backward();
 * ```
 */
export class CrossEntropyLoss extends Loss {
  /** Buffer: class weights `[C]`, or null. */
  declare weight: Tensor | null;
  /** Target value that is skipped (default -100). */
  readonly ignoreIndex: number;
  /** Amount of uniform mixed into the targets (default 0). */
  readonly labelSmoothing: number;
  constructor(opts: F.CrossEntropyOptions = {}) {
    super(opts, KEYS.CrossEntropyLoss);
    this.registerBuffer('weight', opts.weight ?? null);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Binary cross entropy of probabilities in [0, 1] (torch.nn.BCELoss); log clamped at -100 so 0 and 1 stay
 * finite.
 */
export class BCELoss extends Loss {
  /** Buffer: per-element weights broadcast to the input, or null. */
  declare weight: Tensor | null;
  constructor(opts: F.BCEOptions = {}) {
    super(opts, KEYS.BCELoss);
    this.registerBuffer('weight', opts.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Sigmoid plus binary cross entropy in one numerically stable step (torch.nn.BCEWithLogitsLoss). */
export class BCEWithLogitsLoss extends Loss {
  /** Buffer: per-element weights broadcast to the input, or null. */
  declare weight: Tensor | null;
  /** Buffer: weight of positive examples per class, or null (PyTorch's name). */
  declare pos_weight: Tensor | null;
  constructor(opts: F.BCEWithLogitsOptions = {}) {
    super(opts, KEYS.BCEWithLogitsLoss);
    this.registerBuffer('weight', opts.weight ?? null);
    this.registerBuffer('pos_weight', opts.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight,
      posWeight: this.pos_weight,
      reduction: this.reduction,
    });
  }
}

/**
 * Kullback-Leibler divergence `target * (log(target) - input)` with `input` given as log-probabilities
 * (torch.nn.KLDivLoss).
 */
export class KLDivLoss extends Module {
  static override signature = forwardSignature('input target');
  /** How per-element terms combine (default `'mean'`; `'batchmean'` is the true KL divergence). */
  readonly reduction: F.KLReduction;
  /** Whether the target is given as log-probabilities. */
  readonly logTarget: boolean;
  constructor(opts: F.KLDivOptions = {}) {
    super();
    checkOptions(this.name, opts, KEYS.KLDivLoss);
    this.reduction = opts.reduction ?? 'mean';
    this.logTarget = opts.logTarget ?? false;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

/**
 * `1 - cos(x1, x2)` for target 1, `max(0, cos(x1, x2) - margin)` for target -1
 * (torch.nn.CosineEmbeddingLoss): `forward(input1 [N, D], input2 [N, D], target [N])`.
 */
export class CosineEmbeddingLoss extends Loss {
  /** Forward takes (input1, input2, target). */
  static override signature = forwardSignature('input1 input2 target');
  /** Similarity below which dissimilar pairs cost nothing (default 0). */
  readonly margin: number;
  constructor(opts: F.CosineEmbeddingOptions = {}) {
    super(opts, KEYS.CosineEmbeddingLoss);
    this.margin = opts.margin ?? 0;
  }
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return F.cosineEmbeddingLoss(input1, input2, target, { reduction: this.reduction, margin: this.margin });
  }
}
