/** nn.Dropout, Dropout1d/2d/3d (channel-wise) and AlphaDropout: identity in eval mode. */
import type { Tensor } from '../../tensor/tensor.js';
import { alphaDropout, dropout, dropout1d, dropout2d, dropout3d } from '../functional/dropout.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

export interface DropoutOptions {
  p?: number;
  inplace?: boolean;
}

abstract class DropoutBase extends Module {
  static override signature = forwardSignature('input');
  readonly p: number;
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

export class Dropout extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}
export class Dropout1d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout1d(x, this.p, this.training);
  }
}
export class Dropout2d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
}
export class Dropout3d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout3d(x, this.p, this.training);
  }
}
export class AlphaDropout extends DropoutBase {
  forward(x: Tensor): Tensor {
    return alphaDropout(x, this.p, this.training);
  }
}
