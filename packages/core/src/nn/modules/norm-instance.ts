/**
 * InstanceNorm1d/2d/3d and LocalResponseNorm, with PyTorch's defaults and state-dict keys
 * (weight, bias with affine; running_mean, running_var, num_batches_tracked with
 * trackRunningStats: num_batches_tracked is kept for checkpoints but, as in PyTorch 1.13,
 * never advanced by instance norm).
 */
import { full } from '../../ops/creation.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  instanceNorm,
  type LocalResponseNormOptions,
  localResponseNorm,
} from '../functional/norm-instance.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

/** Options of {@link InstanceNorm1d}, {@link InstanceNorm2d} and {@link InstanceNorm3d}, with PyTorch's defaults. */
export interface InstanceNormModuleOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the new statistics in the running ones (default 0.1; PyTorch's instance norm has no cumulative average). */
  momentum?: number;
  /** Learn a per-channel `weight` (initially 1) and `bias` (initially 0) (default false). */
  affine?: boolean;
  /** Keep running statistics and normalise with them in eval mode (default false). */
  trackRunningStats?: boolean;
}

abstract class InstanceNormBase extends Module {
  static override signature = forwardSignature('input');
  /** Per-channel scale `[numFeatures]`, or null without affine. */
  declare weight: Tensor | null;
  /** Per-channel shift `[numFeatures]`, or null without affine. */
  declare bias: Tensor | null;
  /** Buffer `[numFeatures]`: running mean (null without trackRunningStats). */
  declare running_mean: Tensor | null;
  /** Buffer `[numFeatures]`: running unbiased variance (null without trackRunningStats). */
  declare running_var: Tensor | null;
  /** Buffer: int32 0 (PyTorch keeps it for its checkpoints; instance norm never advances it). */
  declare num_batches_tracked: Tensor | null;
  /** Added to the variance. */
  readonly eps: number;
  /** Running-statistics momentum. */
  readonly momentum: number;
  /** Whether weight and bias are learned. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;

  /** Spatial dims d: the input is (C, *d) unbatched or (N, C, *d). */
  protected abstract readonly d: number;

  constructor(
    /** Channels `C`. */
    readonly numFeatures: number,
    opts: InstanceNormModuleOptions = {},
  ) {
    super();
    checkOptions(this.name, opts, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    this.eps = opts.eps ?? 1e-5;
    // null is refused, not defaulted: PyTorch's instance norm has no cumulative average.
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (typeof this.momentum !== 'number') {
      throw new TypeError(
        `${this.name}: momentum must be a number (instance norm has no cumulative average), got ${this.momentum}`,
      );
    }
    this.affine = opts.affine ?? false;
    this.trackRunningStats = opts.trackRunningStats ?? false;
    this.registerParameter('weight', this.affine ? full([numFeatures], 1) : null);
    this.registerParameter('bias', this.affine ? full([numFeatures], 0) : null);
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? full([numFeatures], 0) : null);
    this.registerBuffer('running_var', track ? full([numFeatures], 1) : null);
    this.registerBuffer('num_batches_tracked', track ? full([], 0, { dtype: 'int32' }) : null, {
      savedDtype: 'int64',
    });
  }

  /**
   * Normalise each (sample, channel) of `x` over its spatial dims (with the running statistics
   * instead in eval mode when they are tracked); an unbatched `(C, *)` input gets a batch dim for the
   * call. Training updates the running statistics.
   */
  forward(x: Tensor): Tensor {
    const d = this.d;
    if (x.ndim !== d + 1 && x.ndim !== d + 2) {
      throw new RangeError(
        `${this.name} expected ${d + 1}-D (unbatched) or ${d + 2}-D (batched) input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
      );
    }
    const unbatched = x.ndim === d + 1;
    const cAxis = unbatched ? 0 : 1;
    // PyTorch only warns on a channel mismatch without parameters or statistics to apply.
    if ((this.affine || this.trackRunningStats) && x.shape[cAxis] !== this.numFeatures) {
      throw new RangeError(
        `${this.name} expected input with ${this.numFeatures} channels (dim ${cAxis}), got ${x.shape[cAxis]} (input shape ${fmtShape(x.shape)})`,
      );
    }
    const input = unbatched ? x.unsqueeze(0) : x;
    const y = instanceNorm(
      input,
      {
        runningMean: this.running_mean,
        runningVar: this.running_var,
        weight: this.weight,
        bias: this.bias,
        useInputStats: this.training || !this.trackRunningStats,
        momentum: this.momentum,
        eps: this.eps,
      },
      this.name,
    );
    return unbatched ? y.squeeze(0) : y;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Instance normalisation of `(N, C, L)` or `(C, L)` inputs (torch.nn.InstanceNorm1d). */
export class InstanceNorm1d extends InstanceNormBase {
  protected readonly d = 1;
}
/** Instance normalisation of `(N, C, H, W)` or `(C, H, W)` inputs (torch.nn.InstanceNorm2d). */
export class InstanceNorm2d extends InstanceNormBase {
  protected readonly d = 2;
}
/** Instance normalisation of `(N, C, D, H, W)` or `(C, D, H, W)` inputs (torch.nn.InstanceNorm3d). */
export class InstanceNorm3d extends InstanceNormBase {
  protected readonly d = 3;
}

/**
 * Local response normalisation across `size` neighbouring channels (torch.nn.LocalResponseNorm):
 * input `(N, C, *)`.
 */
export class LocalResponseNorm extends Module {
  static override signature = forwardSignature('input');
  /** Channels in each window. */
  readonly size: number;
  /** Scale of the summed squares (default 1e-4). */
  readonly alpha: number;
  /** Exponent (default 0.75). */
  readonly beta: number;
  /** Additive constant (default 1). */
  readonly k: number;
  /** @param size - channels in each window. */
  constructor(size: number, opts: LocalResponseNormOptions = {}) {
    super();
    checkOptions(this.name, opts, ['alpha', 'beta', 'k']);
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`${this.name}: size must be a positive integer, got ${size}`);
    this.size = size;
    this.alpha = opts.alpha ?? 1e-4;
    this.beta = opts.beta ?? 0.75;
    this.k = opts.k ?? 1;
  }
  forward(x: Tensor): Tensor {
    return localResponseNorm(x, this.size, { alpha: this.alpha, beta: this.beta, k: this.k }, this.name);
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${this.alpha}, beta=${this.beta}, k=${this.k}`;
  }
}
