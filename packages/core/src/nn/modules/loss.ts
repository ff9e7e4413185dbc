/**
 * Loss modules: thin wrappers over F. Class weights are buffers named as in PyTorch
 * (`weight`, `pos_weight`), so they appear in the state dict and move with `to()`.
 */

import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../functional/loss.js';
import { Module } from '../module.js';
import { LOSS_KEYS as KEYS, R } from '../option-keys.js';
import { checkOptions, forwardSignature } from '../validate.js';

type Reduction = F.Reduction;

/** A loss: forward(input, target), constructor options checked against `allowed`. */
abstract class Loss extends Module {
  static override signature = forwardSignature('input target');
  readonly reduction: Reduction;
  constructor(opts: { reduction?: Reduction }, allowed: readonly string[] = R) {
    super();
    checkOptions(this.name, opts, allowed);
    this.reduction = opts.reduction ?? 'mean';
  }
  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

export class MSELoss extends Loss {
  constructor(opts: F.ReductionOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

export class L1Loss extends Loss {
  constructor(opts: F.ReductionOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(opts: F.SmoothL1Options = {}) {
    super(opts, KEYS.SmoothL1Loss);
    this.beta = opts.beta ?? 1.0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(opts: F.HuberOptions = {}) {
    super(opts, KEYS.HuberLoss);
    this.delta = opts.delta ?? 1.0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

export class NLLLoss extends Loss {
  declare weight: Tensor | null;
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

export class CrossEntropyLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
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

export class BCELoss extends Loss {
  declare weight: Tensor | null;
  constructor(opts: F.BCEOptions = {}) {
    super(opts, KEYS.BCELoss);
    this.registerBuffer('weight', opts.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
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

export class KLDivLoss extends Module {
  static override signature = forwardSignature('input target');
  readonly reduction: F.KLReduction;
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

export class CosineEmbeddingLoss extends Loss {
  static override signature = forwardSignature('input1 input2 target');
  readonly margin: number;
  constructor(opts: F.CosineEmbeddingOptions = {}) {
    super(opts, KEYS.CosineEmbeddingLoss);
    this.margin = opts.margin ?? 0;
  }
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return F.cosineEmbeddingLoss(input1, input2, target, { reduction: this.reduction, margin: this.margin });
  }
}
