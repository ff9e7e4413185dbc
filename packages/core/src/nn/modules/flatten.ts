/** nn.Flatten and nn.Unflatten (views, no parameters). */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(opts: { startDim?: number; endDim?: number } = {}) {
    super();
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
