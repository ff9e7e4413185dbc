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
    readonly kernelSize: IntOrTuple,
    readonly options: P.MaxPoolOptions = {},
  ) {
    super();
    checkOptions(this.name, options, MAX_POOL_KEYS);
  }
}

/** forward returns [values, indices] when returnIndices is set. */
export class MaxPool1d extends MaxPoolNd {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.maxPool1d(x, this.kernelSize, this.options);
  }
}
export class MaxPool2d extends MaxPoolNd {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.maxPool2d(x, this.kernelSize, this.options);
  }
}
export class MaxPool3d extends MaxPoolNd {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.maxPool3d(x, this.kernelSize, this.options);
  }
}

abstract class AvgPoolNd extends Module {
  static override signature = forwardSignature('input');
  constructor(
    readonly kernelSize: IntOrTuple,
    readonly options: P.AvgPoolOptions = {},
  ) {
    super();
    checkOptions(this.name, options, AVG_POOL_KEYS);
  }
}

export class AvgPool1d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return P.avgPool1d(x, this.kernelSize, this.options);
  }
}
export class AvgPool2d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return P.avgPool2d(x, this.kernelSize, this.options);
  }
}
export class AvgPool3d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return P.avgPool3d(x, this.kernelSize, this.options);
  }
}

abstract class AdaptivePool extends Module {
  static override signature = forwardSignature('input');
  constructor(readonly outputSize: P.AdaptiveSize) {
    super();
  }
}

export class AdaptiveAvgPool1d extends AdaptivePool {
  forward(x: Tensor): Tensor {
    return P.adaptiveAvgPool1d(x, this.outputSize);
  }
}
export class AdaptiveAvgPool2d extends AdaptivePool {
  forward(x: Tensor): Tensor {
    return P.adaptiveAvgPool2d(x, this.outputSize);
  }
}
export class AdaptiveAvgPool3d extends AdaptivePool {
  forward(x: Tensor): Tensor {
    return P.adaptiveAvgPool3d(x, this.outputSize);
  }
}

abstract class AdaptiveMaxPool extends Module {
  static override signature = forwardSignature('input');
  constructor(
    readonly outputSize: P.AdaptiveSize,
    readonly options: { returnIndices?: boolean } = {},
  ) {
    super();
    checkOptions(this.name, options, ['returnIndices']);
  }
}

/** forward returns [values, indices] when returnIndices is set. */
export class AdaptiveMaxPool1d extends AdaptiveMaxPool {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.adaptiveMaxPool1d(x, this.outputSize, this.options);
  }
}
export class AdaptiveMaxPool2d extends AdaptiveMaxPool {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.adaptiveMaxPool2d(x, this.outputSize, this.options);
  }
}
export class AdaptiveMaxPool3d extends AdaptiveMaxPool {
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return P.adaptiveMaxPool3d(x, this.outputSize, this.options);
  }
}
