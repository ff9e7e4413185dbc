/** nn.Dropout, Dropout1d/2d/3d (channel-wise) and AlphaDropout: identity in eval mode. */
import type { Tensor } from '../../tensor/tensor.js';
import { alphaDropout, dropout, dropout1d, dropout2d, dropout3d } from '../functional/dropout.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

/** Options of the dropout modules. */
export interface DropoutOptions {
  /** Probability of zeroing an element (or channel), in [0, 1] (default 0.5). */
  p?: number;
  /** Accepted for compatibility and ignored (layers never mutates its inputs). */
  inplace?: boolean;
}

abstract class DropoutBase extends Module {
  static override signature = forwardSignature('input');
  /** Drop probability. */
  readonly p: number;
  /** Always false in effect: inputs are never mutated. */
  readonly inplace: boolean;
  constructor(opts: DropoutOptions = {}) {
    super();
    checkOptions(this.name, opts, ['p', 'inplace']);
    this.p = opts.p ?? 0.5;
    this.inplace = opts.inplace ?? false;
    if (!(this.p >= 0 && this.p <= 1)) {
      throw new RangeError(`${this.name}: dropout probability has to be between 0 and 1, but got ${this.p}`);
    }
  }
  override extraRepr(): string {
    return `p=${this.p}, inplace=${this.inplace}`;
  }
}

/**
 * In training mode, zero each element with probability `p` and scale the rest by `1 / (1 - p)`; the
 * identity in eval mode (torch.nn.Dropout). Throws unless p is in [0, 1].
 */
export class Dropout extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}
/**
 * Zero whole channels of `[N, C, L]` (or `[C, L]`) inputs with probability `p` in training mode, scaling
 * the rest.
 */
export class Dropout1d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout1d(x, this.p, this.training);
  }
}
/**
 * Zero whole channels of `[N, C, H, W]` (or `[C, H, W]`) inputs with probability `p` in training mode,
 * scaling the rest.
 */
export class Dropout2d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
}
/**
 * Zero whole channels of `[N, C, D, H, W]` (or `[C, D, H, W]`) inputs with probability `p` in training
 * mode, scaling the rest.
 */
export class Dropout3d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout3d(x, this.p, this.training);
  }
}
/**
 * Dropout for SELU networks: dropped elements take SELU's negative saturation value and the result is
 * rescaled to keep mean and variance (torch.nn.AlphaDropout).
 */
export class AlphaDropout extends DropoutBase {
  forward(x: Tensor): Tensor {
    return alphaDropout(x, this.p, this.training);
  }
}
