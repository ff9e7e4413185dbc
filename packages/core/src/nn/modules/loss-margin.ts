/**
 * Margin, ranking, likelihood and CTC loss modules: thin wrappers over F (loss-margin.ts,
 * loss-prob.ts, ctc.ts). Class weights are buffers named `weight`, as PyTorch's _WeightedLoss.
 */
import type { Tensor } from '../../tensor/tensor.js';
import * as C from '../functional/ctc.js';
import type { ReductionOptions } from '../functional/loss.js';
import * as F from '../functional/loss-margin.js';
import * as P from '../functional/loss-prob.js';
import { LOSS_KEYS as KEYS } from '../option-keys.js';
import { forwardSignature } from '../validate.js';
import { Loss } from './loss-base.js';

/**
 * `max(0, -y (x1 - x2) + margin)` (torch.nn.MarginRankingLoss): `forward(input1, input2, target)` with
 * target 1 where input1 should rank higher, -1 where input2 should.
 */
export class MarginRankingLoss extends Loss {
  /** Forward takes (input1, input2, target). */
  static override signature = forwardSignature('input1 input2 target');
  /** The margin (default 0). */
  readonly margin: number;
  constructor(opts: F.MarginRankingOptions = {}) {
    super(opts, KEYS.MarginRankingLoss);
    this.margin = opts.margin ?? 0;
  }
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return F.marginRankingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/**
 * `x` for target 1, `max(0, margin - x)` for target -1 (torch.nn.HingeEmbeddingLoss), e.g. on distances
 * of similar / dissimilar pairs.
 */
export class HingeEmbeddingLoss extends Loss {
  /** The margin (default 1). */
  readonly margin: number;
  constructor(opts: F.HingeEmbeddingOptions = {}) {
    super(opts, KEYS.HingeEmbeddingLoss);
    this.margin = opts.margin ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** Two-class logistic loss `log(1 + exp(-y x))` for targets ±1 (torch.nn.SoftMarginLoss). */
export class SoftMarginLoss extends Loss {
  constructor(opts: ReductionOptions = {}) {
    super(opts, KEYS.SoftMarginLoss);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.softMarginLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * One-versus-all logistic loss for multi-label targets in {0, 1} (torch.nn.MultiLabelSoftMarginLoss):
 * input and target `(N, C)`, averaged over the classes.
 */
export class MultiLabelSoftMarginLoss extends Loss {
  /** Buffer: per-class weights `[C]`, or null. */
  declare weight: Tensor | null;
  constructor(opts: F.MultilabelSoftMarginOptions = {}) {
    super(opts, KEYS.MultiLabelSoftMarginLoss);
    this.registerBuffer('weight', opts.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.multilabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Multi-label hinge loss (torch.nn.MultiLabelMarginLoss): input `(N, C)` or `(C)`, int32 target of the same
 * shape listing each row's classes, ended by -1.
 */
export class MultiLabelMarginLoss extends Loss {
  constructor(opts: ReductionOptions = {}) {
    super(opts, KEYS.MultiLabelMarginLoss);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.multilabelMarginLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Multi-class hinge loss (torch.nn.MultiMarginLoss): input `(N, C)` or `(C)`, int32 class target `(N)`
 * or `()`.
 */
export class MultiMarginLoss extends Loss {
  /** The hinge's power, 1 or 2 (default 1). */
  readonly p: number;
  /** The margin (default 1). */
  readonly margin: number;
  /** Buffer: per-class weights `[C]`, or null. */
  declare weight: Tensor | null;
  constructor(opts: F.MultiMarginOptions = {}) {
    super(opts, KEYS.MultiMarginLoss);
    this.p = opts.p ?? 1;
    if (this.p !== 1 && this.p !== 2) {
      throw new RangeError(`MultiMarginLoss: only p = 1 and p = 2 are supported, got ${this.p}`);
    }
    this.margin = opts.margin ?? 1;
    this.registerBuffer('weight', opts.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.multiMarginLoss(input, target, {
      p: this.p,
      margin: this.margin,
      weight: this.weight,
      reduction: this.reduction,
    });
  }
}

/**
 * `max(0, margin + d(a, p) - d(a, n))` with the pairwise p-norm distance (torch.nn.TripletMarginLoss):
 * `forward(anchor, positive, negative)`, each `(N, D)` or `(D)`.
 */
export class TripletMarginLoss extends Loss {
  /** Forward takes (anchor, positive, negative). */
  static override signature = forwardSignature('anchor positive negative');
  /** The margin (default 1). */
  readonly margin: number;
  /** The norm degree (default 2). */
  readonly p: number;
  /** Added to differences before the norm (default 1e-6). */
  readonly eps: number;
  /** Whether the distance swap is used (default false). */
  readonly swap: boolean;
  constructor(opts: F.TripletMarginOptions = {}) {
    super(opts, KEYS.TripletMarginLoss);
    this.margin = opts.margin ?? 1;
    this.p = opts.p ?? 2;
    this.eps = opts.eps ?? 1e-6;
    this.swap = opts.swap ?? false;
  }
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return F.tripletMarginLoss(anchor, positive, negative, {
      margin: this.margin,
      p: this.p,
      eps: this.eps,
      swap: this.swap,
      reduction: this.reduction,
    });
  }
}

/** Poisson negative log likelihood (torch.nn.PoissonNLLLoss): the input is the log-rate unless `logInput: false`. */
export class PoissonNLLLoss extends Loss {
  /** Whether the input is the log of the rate (default true). */
  readonly logInput: boolean;
  /** Whether the Stirling term is added (default false). */
  readonly full: boolean;
  /** Keeps log(input + eps) finite when logInput is false (default 1e-8). */
  readonly eps: number;
  constructor(opts: P.PoissonNLLOptions = {}) {
    super(opts, KEYS.PoissonNLLLoss);
    this.logInput = opts.logInput ?? true;
    this.full = opts.full ?? false;
    this.eps = opts.eps ?? 1e-8;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return P.poissonNllLoss(input, target, {
      logInput: this.logInput,
      full: this.full,
      eps: this.eps,
      reduction: this.reduction,
    });
  }
}

/**
 * Gaussian negative log likelihood (torch.nn.GaussianNLLLoss): `forward(input, target, var)` with the
 * predicted mean, the target and the predicted variance.
 */
export class GaussianNLLLoss extends Loss {
  /** Forward takes (input, target, var). */
  static override signature = forwardSignature('input target var');
  /** Whether the constant 0.5 log(2 pi) is added (default false). */
  readonly full: boolean;
  /** Lower bound of the variance (default 1e-6). */
  readonly eps: number;
  constructor(opts: P.GaussianNLLOptions = {}) {
    super(opts, KEYS.GaussianNLLLoss);
    this.full = opts.full ?? false;
    this.eps = opts.eps ?? 1e-6;
  }
  forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return P.gaussianNllLoss(input, target, variance, {
      full: this.full,
      eps: this.eps,
      reduction: this.reduction,
    });
  }
}

/**
 * Connectionist temporal classification loss (torch.nn.CTCLoss): `forward(logProbs (T, N, C),
 * targets, inputLengths, targetLengths)` with log_softmax outputs, int32 targets `(N, S)` or concatenated,
 * and lengths as int32 tensors or number arrays.
 */
export class CTCLoss extends Loss {
  /** Forward takes (logProbs, targets, inputLengths, targetLengths). */
  static override signature = forwardSignature('logProbs targets inputLengths:any targetLengths:any');
  /** The blank class (default 0). */
  readonly blank: number;
  /** Whether infinite losses (and their gradients) become 0 (default false). */
  readonly zeroInfinity: boolean;
  constructor(opts: C.CTCLossOptions = {}) {
    super(opts, KEYS.CTCLoss);
    this.blank = opts.blank ?? 0;
    this.zeroInfinity = opts.zeroInfinity ?? false;
  }
  forward(
    logProbs: Tensor,
    targets: Tensor,
    inputLengths: Tensor | readonly number[],
    targetLengths: Tensor | readonly number[],
  ): Tensor {
    return C.ctcLoss(logProbs, targets, inputLengths, targetLengths, {
      blank: this.blank,
      zeroInfinity: this.zeroInfinity,
      reduction: this.reduction,
    });
  }
}
