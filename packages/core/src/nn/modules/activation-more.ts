/** GLU and Softmax2d (torch.nn.GLU, torch.nn.Softmax2d). */

import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { softmax } from '../functional/activation.js';
import { glu } from '../functional/misc.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

/** The gated linear unit `a * sigmoid(b)` over the halves of `dim` (torch.nn.GLU; dim -1). */
export class GLU extends Module {
  static override signature = forwardSignature('input');
  /** The dim that is halved. */
  readonly dim: number;
  constructor(opts: { dim?: number } = {}) {
    super();
    checkOptions(this.name, opts, ['dim']);
    this.dim = opts.dim ?? -1;
  }
  forward(x: Tensor): Tensor {
    return glu(x, this.dim, this.name);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Softmax over the channels of `(N, C, H, W)` or `(C, H, W)` at every pixel (torch.nn.Softmax2d). */
export class Softmax2d extends Module {
  static override signature = forwardSignature('input');
  forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) {
      throw new RangeError(
        `${this.name}: expected a 3-D or 4-D input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
      );
    }
    return softmax(x, -3);
  }
}
