/** nn.Flatten and nn.Unflatten (views, no parameters). */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

export class Flatten extends Module {
  static override signature = forwardSignature('input');
  readonly startDim: number;
  readonly endDim: number;
  constructor(opts: { startDim?: number; endDim?: number } = {}) {
    super();
    checkOptions(this.name, opts, ['startDim', 'endDim']);
    this.startDim = opts.startDim ?? 1;
    this.endDim = opts.endDim ?? -1;
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

export class Unflatten extends Module {
  static override signature = forwardSignature('input');
  constructor(
    readonly dim: number,
    readonly unflattenedSize: readonly number[],
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.unflatten(this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=[${this.unflattenedSize.join(', ')}]`;
  }
}
