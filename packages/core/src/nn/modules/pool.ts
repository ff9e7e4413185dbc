/** Pooling layers: thin wrappers over F's pools with PyTorch's constructor defaults. */
import type { Tensor } from '../../tensor/tensor.js';
import type { IntOrTuple } from '../functional/conv-nd.js';
import * as P from '../functional/pool.js';
import { Module } from '../module.js';
import { AVG_POOL_KEYS, MAX_POOL_KEYS } from '../option-keys.js';
import { checkOptions, forwardSignature } from '../validate.js';

abstract class MaxPoolNd extends Module {
  static override signature = forwardSignature('input');
  constructor(
    /** Window size (one number for every spatial dim, or one per dim). */
    readonly kernelSize: IntOrTuple,
    /**
     * stride (default: kernelSize), padding, dilation, ceilMode, returnIndices; see {@link
     * F.MaxPoolOptions}.
     */
    readonly options: P.MaxPoolOptions = {},
  ) {
    super();
    checkOptions(this.name, options, MAX_POOL_KEYS);
  }
}

/**
 * Max over sliding windows of `[N, C, L]` (or `[C, L]`) inputs (torch.nn.MaxPool1d); forward returns
 * [values, indices] when returnIndices is set.
 */
export class MaxPool1d extends MaxPoolNd {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.maxPool1d(x, this.kernelSize, this.options);
  }
}
/**
 * Max over sliding windows of `[N, C, H, W]` (or `[C, H, W]`) inputs (torch.nn.MaxPool2d):
 * output size `floor((in + 2 * padding - dilation * (k - 1) - 1) / stride) + 1` (ceil with
 * ceilMode); forward returns [values, indices] when returnIndices is set.
 */
export class MaxPool2d extends MaxPoolNd {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.maxPool2d(x, this.kernelSize, this.options);
  }
}
/** Max over sliding windows of `[N, C, D, H, W]` inputs (torch.nn.MaxPool3d). */
export class MaxPool3d extends MaxPoolNd {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.maxPool3d(x, this.kernelSize, this.options);
  }
}

abstract class AvgPoolNd extends Module {
  static override signature = forwardSignature('input');
  constructor(
    /** Window size (one number for every spatial dim, or one per dim). */
    readonly kernelSize: IntOrTuple,
    /**
     * stride (default: kernelSize), padding, ceilMode, countIncludePad, divisorOverride; see {@link
     * F.AvgPoolOptions}.
     */
    readonly options: P.AvgPoolOptions = {},
  ) {
    super();
    checkOptions(this.name, options, AVG_POOL_KEYS);
  }
}

/** Mean over sliding windows of `[N, C, L]` inputs (torch.nn.AvgPool1d). */
export class AvgPool1d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return P.avgPool1d(x, this.kernelSize, this.options);
  }
}
/** Mean over sliding windows of `[N, C, H, W]` inputs (torch.nn.AvgPool2d). */
export class AvgPool2d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return P.avgPool2d(x, this.kernelSize, this.options);
  }
}
/** Mean over sliding windows of `[N, C, D, H, W]` inputs (torch.nn.AvgPool3d). */
export class AvgPool3d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return P.avgPool3d(x, this.kernelSize, this.options);
  }
}

abstract class AdaptivePool extends Module {
  static override signature = forwardSignature('input');
  /** @param outputSize - Output spatial size: one number, or one per dim (null keeps that input dim). */
  constructor(readonly outputSize: P.AdaptiveSize) {
    super();
  }
}

/** Mean pooling to a fixed output length, windows chosen as PyTorch does (torch.nn.AdaptiveAvgPool1d). */
export class AdaptiveAvgPool1d extends AdaptivePool {
  forward(x: Tensor): Tensor {
    return P.adaptiveAvgPool1d(x, this.outputSize);
  }
}
/**
 * Mean pooling of `[N, C, H, W]` to a fixed `outputSize`, e.g. `new nn.AdaptiveAvgPool2d(1)` for global
 * average pooling.
 */
export class AdaptiveAvgPool2d extends AdaptivePool {
  forward(x: Tensor): Tensor {
    return P.adaptiveAvgPool2d(x, this.outputSize);
  }
}
/** Mean pooling of `[N, C, D, H, W]` to a fixed `outputSize`. */
export class AdaptiveAvgPool3d extends AdaptivePool {
  forward(x: Tensor): Tensor {
    return P.adaptiveAvgPool3d(x, this.outputSize);
  }
}

abstract class AdaptiveMaxPool extends Module {
  static override signature = forwardSignature('input');
  constructor(
    /** Output spatial size: one number, or one per dim (null keeps that input dim). */
    readonly outputSize: P.AdaptiveSize,
    /** `returnIndices`: forward also returns the argmax positions. */
    readonly options: {
      /** Also return the flat spatial index of each maximum, as `[values, indices]`. */
      returnIndices?: boolean;
    } = {},
  ) {
    super();
    checkOptions(this.name, options, ['returnIndices']);
  }
}

/** Max pooling to a fixed output length; forward returns [values, indices] when returnIndices is set. */
export class AdaptiveMaxPool1d extends AdaptiveMaxPool {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.adaptiveMaxPool1d(x, this.outputSize, this.options);
  }
}
/** Max pooling of `[N, C, H, W]` to a fixed `outputSize`. */
export class AdaptiveMaxPool2d extends AdaptiveMaxPool {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.adaptiveMaxPool2d(x, this.outputSize, this.options);
  }
}
/** Max pooling of `[N, C, D, H, W]` to a fixed `outputSize`. */
export class AdaptiveMaxPool3d extends AdaptiveMaxPool {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.adaptiveMaxPool3d(x, this.outputSize, this.options);
  }
}
