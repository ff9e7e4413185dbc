/**
 * BatchNorm1d/2d/3d, LayerNorm, RMSNorm, GroupNorm with PyTorch's parameter and buffer
 * names (weight, bias, running_mean, running_var, num_batches_tracked) and defaults.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { full } from '../../ops/creation.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { batchNorm, groupNorm, layerNorm, rmsNorm } from '../functional/norm.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

/** Options of {@link BatchNorm1d}, {@link BatchNorm2d} and {@link BatchNorm3d}, with PyTorch's defaults. */
export interface BatchNormModuleOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of the new batch in the running statistics (default 0.1); null: cumulative moving average
   * (factor 1 / num_batches_tracked).
   */
  momentum?: number | null;
  /** Learn a per-channel `weight` (initially 1) and `bias` (initially 0) (default true). */
  affine?: boolean;
  /**
   * Keep running_mean / running_var and use them in eval mode (default true); false normalises with batch
   * statistics always.
   */
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  static override signature = forwardSignature('input');
  /** Per-channel scale `[numFeatures]`, or null without affine. */
  declare weight: Tensor | null;
  /** Per-channel shift `[numFeatures]`, or null without affine. */
  declare bias: Tensor | null;
  /** Buffer `[numFeatures]`: running mean, used in eval mode (null without trackRunningStats). */
  declare running_mean: Tensor | null;
  /** Buffer `[numFeatures]`: running unbiased variance, used in eval mode. */
  declare running_var: Tensor | null;
  /** int32 here (PyTorch: int64); loading a PyTorch int64 value converts it. */
  declare num_batches_tracked: Tensor | null;
  /** Added to the variance. */
  readonly eps: number;
  /** Running-statistics momentum (null: cumulative average). */
  readonly momentum: number | null;
  /** Whether weight and bias are learned. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;

  protected abstract readonly allowedDims: readonly number[];

  constructor(
    /** Channels `C` (dim 1 of the input). */
    readonly numFeatures: number,
    opts: BatchNormModuleOptions = {},
  ) {
    super();
    checkOptions(this.name, opts, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.registerParameter('weight', this.affine ? full([numFeatures], 1) : null);
    this.registerParameter('bias', this.affine ? full([numFeatures], 0) : null);
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', full([numFeatures], 0));
      this.registerBuffer('running_var', full([numFeatures], 1));
      this.registerBuffer('num_batches_tracked', full([], 0, { dtype: 'int32' }), { savedDtype: 'int64' });
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
  }

  private checkInput(x: Tensor): void {
    if (!this.allowedDims.includes(x.ndim)) {
      const dims = this.allowedDims.map((d) => `${d}-D`).join(' or ');
      throw new RangeError(
        `${this.name} expected a ${dims} input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
      );
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(
        `${this.name} expected input with ${this.numFeatures} channels, got ${x.shape[1]} (input shape ${fmtShape(x.shape)})`,
      );
    }
  }

  /**
   * Normalise each channel of `x` `[N, C, ...]` with the batch's statistics in training mode
   * (updating the running ones) or the running ones in eval mode; the result has x's shape.
   * Throws on the wrong rank or channel count, and on one value per channel in training.
   */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    let momentum: number | Tensor = this.momentum ?? 0;
    let factor: Tensor | null = null;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      const nbt = this.num_batches_tracked;
      noGrad(() => nbt._assign(nbt.add(1)));
      if (this.momentum === null) {
        factor = noGrad(() => nbt.float().reciprocal());
        momentum = factor;
      }
    }
    const useBatchStats = this.training || (!this.running_mean && !this.running_var);
    // Running statistics are updated only when tracked and training; eval uses them as-is.
    const track = !this.training || this.trackRunningStats;
    try {
      return batchNorm(
        x,
        track ? this.running_mean : null,
        track ? this.running_var : null,
        { weight: this.weight, bias: this.bias, training: useBatchStats, momentum, eps: this.eps },
        this.name,
      );
    } finally {
      factor?.dispose();
    }
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch normalisation over `[N, C]` or `[N, C, L]` inputs (torch.nn.BatchNorm1d). */
export class BatchNorm1d extends BatchNormBase {
  protected readonly allowedDims = [2, 3];
}
/**
 * Batch normalisation over `[N, C, H, W]` inputs (torch.nn.BatchNorm2d); state-dict keys
 * `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`.
 */
export class BatchNorm2d extends BatchNormBase {
  protected readonly allowedDims = [4];
}
/** Batch normalisation over `[N, C, D, H, W]` inputs (torch.nn.BatchNorm3d). */
export class BatchNorm3d extends BatchNormBase {
  protected readonly allowedDims = [5];
}

function asShape(s: number | readonly number[]): number[] {
  return typeof s === 'number' ? [s] : [...s];
}

/**
 * Normalise over the trailing `normalizedShape` dims of each sample, then scale and shift
 * elementwise (torch.nn.LayerNorm; eps 1e-5, `weight` ones and `bias` zeros by default).
 */
export class LayerNorm extends Module {
  static override signature = forwardSignature('input');
  /** Elementwise scale of `normalizedShape`, or null without elementwiseAffine. */
  declare weight: Tensor | null;
  /** Elementwise shift of `normalizedShape`, or null without elementwiseAffine or with `bias: false`. */
  declare bias: Tensor | null;
  /** Trailing dims normalised over. */
  readonly normalizedShape: number[];
  /** Added to the variance (default 1e-5). */
  readonly eps: number;
  /** Whether weight (and bias) are learned (default true). */
  readonly elementwiseAffine: boolean;
  constructor(
    normalizedShape: number | readonly number[],
    opts: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } = {},
  ) {
    super();
    checkOptions(this.name, opts, ['eps', 'elementwiseAffine', 'bias']);
    this.normalizedShape = asShape(normalizedShape);
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    const withBias = this.elementwiseAffine && (opts.bias ?? true);
    this.registerParameter('weight', this.elementwiseAffine ? full(this.normalizedShape, 1) : null);
    this.registerParameter('bias', withBias ? full(this.normalizedShape, 0) : null);
  }
  /**
   * `x` `[..., ...normalizedShape]` normalised; throws when its trailing dims differ from normalizedShape.
   */
  forward(x: Tensor): Tensor {
    return layerNorm(
      x,
      this.normalizedShape,
      { weight: this.weight, bias: this.bias, eps: this.eps },
      this.name,
    );
  }
  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/**
 * Root-mean-square normalisation over the trailing `normalizedShape` dims, `x / sqrt(mean(x^2) + eps) *
 * weight` (torch.nn.RMSNorm).
 */
export class RMSNorm extends Module {
  static override signature = forwardSignature('input');
  /** Elementwise scale (ones initially), or null without elementwiseAffine. */
  declare weight: Tensor | null;
  /** Trailing dims normalised over. */
  readonly normalizedShape: number[];
  /** null: float32 machine epsilon at forward time (PyTorch's eps=None). */
  readonly eps: number | null;
  /** Whether weight is learned (default true). */
  readonly elementwiseAffine: boolean;
  constructor(
    normalizedShape: number | readonly number[],
    opts: { eps?: number | null; elementwiseAffine?: boolean } = {},
  ) {
    super();
    checkOptions(this.name, opts, ['eps', 'elementwiseAffine']);
    this.normalizedShape = asShape(normalizedShape);
    this.eps = opts.eps ?? null;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.registerParameter('weight', this.elementwiseAffine ? full(this.normalizedShape, 1) : null);
  }
  /** `x` `[..., ...normalizedShape]` normalised; throws when its trailing dims differ. */
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, { weight: this.weight, eps: this.eps }, this.name);
  }
  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/**
 * Split the `numChannels` channels into `numGroups` groups and normalise each group of each
 * sample (torch.nn.GroupNorm; eps 1e-5). Throws unless numGroups divides numChannels.
 */
export class GroupNorm extends Module {
  static override signature = forwardSignature('input');
  /** Per-channel scale `[numChannels]`, or null without affine. */
  declare weight: Tensor | null;
  /** Per-channel shift `[numChannels]`, or null without affine. */
  declare bias: Tensor | null;
  /** Added to the variance. */
  readonly eps: number;
  /** Whether weight and bias are learned. */
  readonly affine: boolean;
  constructor(
    /** Groups the channels are split into. */
    readonly numGroups: number,
    /** Channels `C` of the input `[N, C, ...]`. */
    readonly numChannels: number,
    opts: { eps?: number; affine?: boolean } = {},
  ) {
    super();
    checkOptions(this.name, opts, ['eps', 'affine']);
    if (numChannels % numGroups !== 0) {
      throw new RangeError(
        `GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`,
      );
    }
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    this.registerParameter('weight', this.affine ? full([numChannels], 1) : null);
    this.registerParameter('bias', this.affine ? full([numChannels], 0) : null);
  }
  /** `x` `[N, C, ...]` normalised per group; the result has x's shape. */
  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new RangeError(
        `${this.name} expected input of shape [N, ${this.numChannels}, *], got ${fmtShape(x.shape)}`,
      );
    }
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps }, this.name);
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
