/** nn.Flatten and nn.Unflatten (views, no parameters). */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

/**
 * Flatten dims `startDim` (default 1) to `endDim` (default -1) into one, keeping the batch dim
 * (torch.nn.Flatten).
 */
export class Flatten extends Module {
  static override signature = forwardSignature('input');
  /** First dim flattened. */
  readonly startDim: number;
  /** Last dim flattened. */
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

/** Split dim `dim` into `unflattenedSize` (torch.nn.Unflatten). */
export class Unflatten extends Module {
  static override signature = forwardSignature('input');
  constructor(
    /** Dim that is split. */
    readonly dim: number,
    /** Sizes it is split into (one may be -1). */
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
