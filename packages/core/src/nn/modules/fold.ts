/** Fold and Unfold (torch.nn.Fold / torch.nn.Unfold) over F.fold / F.unfold. */
import type { Tensor } from '../../tensor/tensor.js';
import { type FoldOptions, fold, unfold } from '../functional/fold.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

const KEYS = ['dilation', 'padding', 'stride'];

/** Extracts sliding local blocks: `(N, C, H, W)` to `(N, C * kh * kw, L)` (torch.nn.Unfold). */
export class Unfold extends Module {
  static override signature = forwardSignature('input');
  /** The kernel size, as given. */
  readonly kernelSize: number | readonly number[];
  /** Dilation, padding and stride, as given. */
  readonly options: FoldOptions;
  /** @param kernelSize - the block size (an int or (kh, kw)). */
  constructor(kernelSize: number | readonly number[], opts: FoldOptions = {}) {
    super();
    checkOptions(this.name, opts, KEYS);
    this.kernelSize = kernelSize;
    this.options = { ...opts };
  }
  forward(x: Tensor): Tensor {
    return unfold(x, this.kernelSize, this.options, this.name);
  }
}

/** Sums sliding local blocks back into `(N, C, *outputSize)` (torch.nn.Fold), the adjoint of Unfold. */
export class Fold extends Module {
  static override signature = forwardSignature('input');
  /** The spatial output size, as given. */
  readonly outputSize: number | readonly number[];
  /** The kernel size, as given. */
  readonly kernelSize: number | readonly number[];
  /** Dilation, padding and stride, as given. */
  readonly options: FoldOptions;
  /** @param outputSize - (H, W) of the result. @param kernelSize - the block size. */
  constructor(
    outputSize: number | readonly number[],
    kernelSize: number | readonly number[],
    opts: FoldOptions = {},
  ) {
    super();
    checkOptions(this.name, opts, KEYS);
    this.outputSize = outputSize;
    this.kernelSize = kernelSize;
    this.options = { ...opts };
  }
  forward(x: Tensor): Tensor {
    return fold(x, this.outputSize, this.kernelSize, this.options, this.name);
  }
}
