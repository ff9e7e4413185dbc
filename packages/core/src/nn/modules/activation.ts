/**
 * Activation modules: thin wrappers over F (functional/activation.ts). PyTorch's arguments
 * with defaults go in one options object: new nn.LeakyReLU({ negativeSlope: 0.2 }).
 * `inplace` is accepted for compatibility and ignored (layers never mutates inputs).
 */
import { full } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as A from '../functional/activation.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

interface Inplace {
  inplace?: boolean;
}
const INPLACE = ['inplace'] as const;

/** An activation: one tensor in, one out; constructor options checked against `allowed`. */
abstract class Activation extends Module {
  static override signature = forwardSignature('input');
  constructor(opts: object | undefined, allowed: readonly string[]) {
    super();
    checkOptions(this.name, opts, allowed);
  }
  /** Apply the activation to `x` of any shape; the result has the same shape. */
  abstract override forward(x: Tensor): Tensor;
}

/** An activation whose only option is PyTorch's (ignored) `inplace`. */
abstract class InplaceActivation extends Activation {
  constructor(opts: Inplace = {}) {
    super(opts, INPLACE);
  }
}

/** An activation that takes no options. */
abstract class PlainActivation extends Activation {
  constructor(opts: Record<string, never> = {}) {
    super(opts, []);
  }
}

/** `max(x, 0)` (torch.nn.ReLU). */
export class ReLU extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.relu(x);
  }
}

/** `min(max(x, 0), 6)` (torch.nn.ReLU6). */
export class ReLU6 extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.relu6(x);
  }
}

/** `x` for positive inputs, `negativeSlope * x` otherwise (default slope 0.01). */
export class LeakyReLU extends Activation {
  /** Slope for negative inputs. */
  readonly negativeSlope: number;
  constructor(opts: { negativeSlope?: number } & Inplace = {}) {
    super(opts, ['negativeSlope', 'inplace']);
    this.negativeSlope = opts.negativeSlope ?? 0.01;
  }
  forward(x: Tensor): Tensor {
    return A.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/**
 * Learnable negative slope: one shared value or one per channel (dim 1), initially `init` (default 0.25).
 * Key `weight`.
 */
export class PReLU extends Activation {
  /** Slopes `[numParameters]`. */
  declare weight: Tensor;
  /** 1 (shared) or the channel count. */
  readonly numParameters: number;
  constructor(opts: { numParameters?: number; init?: number } = {}) {
    super(opts, ['numParameters', 'init']);
    this.numParameters = opts.numParameters ?? 1;
    this.registerParameter('weight', full([this.numParameters], opts.init ?? 0.25));
  }
  forward(x: Tensor): Tensor {
    return A.prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `numParameters=${this.numParameters}`;
  }
}

/** An activation whose options are `alpha` (default 1) and the ignored `inplace`: ELU, CELU. */
abstract class AlphaActivation extends Activation {
  /** Scale of the negative part. */
  readonly alpha: number;
  constructor(opts: { alpha?: number } & Inplace = {}) {
    super(opts, ['alpha', 'inplace']);
    this.alpha = opts.alpha ?? 1;
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** `x` for positive inputs, `alpha * (exp(x) - 1)` otherwise (default alpha 1). */
export class ELU extends AlphaActivation {
  forward(x: Tensor): Tensor {
    return A.elu(x, this.alpha);
  }
}

/** `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))` (default alpha 1). */
export class CELU extends AlphaActivation {
  forward(x: Tensor): Tensor {
    return A.celu(x, this.alpha);
  }
}

/** Scaled ELU with the self-normalising constants of Klambauer et al. */
export class SELU extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.selu(x);
  }
}

/** `x * Phi(x)` with the exact normal CDF, or its tanh approximation with `approximate: 'tanh'`. */
export class GELU extends Activation {
  /** `'none'` (exact, default) or `'tanh'`. */
  readonly approximate: 'none' | 'tanh';
  constructor(opts: { approximate?: 'none' | 'tanh' } = {}) {
    super(opts, ['approximate']);
    this.approximate = opts.approximate ?? 'none';
  }
  forward(x: Tensor): Tensor {
    return A.gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** `x * sigmoid(x)` (swish). */
export class SiLU extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.silu(x);
  }
}

/** `x * tanh(softplus(x))`. */
export class Mish extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.mish(x);
  }
}

/** `1 / (1 + exp(-x))`. */
export class Sigmoid extends PlainActivation {
  forward(x: Tensor): Tensor {
    return A.sigmoid(x);
  }
}

/** Hyperbolic tangent. */
export class Tanh extends PlainActivation {
  forward(x: Tensor): Tensor {
    return A.tanh(x);
  }
}

/** `log(sigmoid(x))`, computed without overflow. */
export class LogSigmoid extends PlainActivation {
  forward(x: Tensor): Tensor {
    return A.logSigmoid(x);
  }
}

/** Clamp into `[minVal, maxVal]` (default [-1, 1]). Throws unless maxVal > minVal. */
export class Hardtanh extends Activation {
  /** Lower bound. */
  readonly minVal: number;
  /** Upper bound. */
  readonly maxVal: number;
  constructor(opts: { minVal?: number; maxVal?: number } & Inplace = {}) {
    super(opts, ['minVal', 'maxVal', 'inplace']);
    this.minVal = opts.minVal ?? -1;
    this.maxVal = opts.maxVal ?? 1;
    if (this.maxVal <= this.minVal) throw new RangeError('Hardtanh: maxVal must be greater than minVal');
  }
  forward(x: Tensor): Tensor {
    return A.hardtanh(x, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/** Piecewise-linear sigmoid: `clamp(x / 6 + 1 / 2, 0, 1)`. */
export class Hardsigmoid extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.hardsigmoid(x);
  }
}

/** `x * hardsigmoid(x)`. */
export class Hardswish extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.hardswish(x);
  }
}

/** `log(1 + exp(beta * x)) / beta`, linear where `beta * x > threshold` (defaults 1 and 20). */
export class Softplus extends Activation {
  /** Sharpness. */
  readonly beta: number;
  /** Above `beta * x > threshold` the result is `x`. */
  readonly threshold: number;
  constructor(opts: { beta?: number; threshold?: number } = {}) {
    super(opts, ['beta', 'threshold']);
    this.beta = opts.beta ?? 1;
    this.threshold = opts.threshold ?? 20;
  }
  forward(x: Tensor): Tensor {
    return A.softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** `x / (1 + |x|)`. */
export class Softsign extends PlainActivation {
  forward(x: Tensor): Tensor {
    return A.softsign(x);
  }
}

/** `x - tanh(x)`. */
export class Tanhshrink extends PlainActivation {
  forward(x: Tensor): Tensor {
    return A.tanhshrink(x);
  }
}

/** An activation whose one option is the threshold `lambd` (default 0.5): Hardshrink, Softshrink. */
abstract class ShrinkActivation extends Activation {
  /** Threshold. */
  readonly lambd: number;
  constructor(opts: { lambd?: number } = {}) {
    super(opts, ['lambd']);
    this.lambd = opts.lambd ?? 0.5;
  }
}

/** `x` where `|x| > lambd`, else 0 (default lambd 0.5). */
export class Hardshrink extends ShrinkActivation {
  forward(x: Tensor): Tensor {
    return A.hardshrink(x, this.lambd);
  }
}

/** Shrink toward 0 by `lambd` (default 0.5), zero inside `[-lambd, lambd]`. */
export class Softshrink extends ShrinkActivation {
  forward(x: Tensor): Tensor {
    return A.softshrink(x, this.lambd);
  }
}

/** y = x where x > threshold, else value. */
export class Threshold extends Activation {
  constructor(
    /** Inputs at or below this are replaced. */
    readonly threshold: number,
    /** Replacement value. */
    readonly value: number,
    opts: Inplace = {},
  ) {
    super(opts, INPLACE);
  }
  forward(x: Tensor): Tensor {
    return A.threshold(x, this.threshold, this.value);
  }
  override extraRepr(): string {
    return `threshold=${this.threshold}, value=${this.value}`;
  }
}

/** PyTorch's legacy implicit dim for Softmax(dim=None): 0 for 0-, 1- and 3-D inputs, else 1. */
function implicitDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

abstract class SoftmaxBase extends Activation {
  /**
   * Dim the softmax normalises over; null uses PyTorch's legacy implicit choice (0 for 0-, 1- and 3-d
   * inputs, else 1).
   */
  readonly dim: number | null;
  constructor(opts: { dim?: number | null } = {}) {
    super(opts, ['dim']);
    this.dim = opts.dim ?? null;
  }
  protected resolveDim(x: Tensor): number {
    return this.dim ?? implicitDim(x.ndim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** `exp(x) / sum(exp(x))` over `dim`, computed stably (torch.nn.Softmax; `new nn.Softmax({ dim: -1 })`). */
export class Softmax extends SoftmaxBase {
  forward(x: Tensor): Tensor {
    return A.softmax(x, this.resolveDim(x));
  }
}

/** `log(softmax(x))` over `dim`, computed stably; pair with {@link NLLLoss}. */
export class LogSoftmax extends SoftmaxBase {
  forward(x: Tensor): Tensor {
    return A.logSoftmax(x, this.resolveDim(x));
  }
}

/** `softmax(-x)` over `dim`. */
export class Softmin extends SoftmaxBase {
  forward(x: Tensor): Tensor {
    return A.softmin(x, this.resolveDim(x));
  }
}
