/** LPPool1d/2d and MaxUnpool1d/2d/3d (torch.nn) over F (functional/pool-lp-unpool.ts). */
import type { Tensor } from '../../tensor/tensor.js';
import type { IntOrTuple } from '../functional/conv-nd.js';
import * as P from '../functional/pool-lp-unpool.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

abstract class LPPoolNd extends Module {
  static override signature = forwardSignature('input');
  /** The power p. */
  readonly normType: number;
  /** The window size. */
  readonly kernelSize: IntOrTuple;
  /** The window step (null: kernelSize). */
  readonly stride: IntOrTuple | null;
  /** Whether the output size rounds up. */
  readonly ceilMode: boolean;
  constructor(normType: number, kernelSize: IntOrTuple, opts: P.LPPoolOptions = {}) {
    super();
    checkOptions(this.name, opts, ['stride', 'ceilMode']);
    this.normType = normType;
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? null;
    this.ceilMode = opts.ceilMode ?? false;
  }
  protected get poolOptions(): P.LPPoolOptions {
    return { stride: this.stride, ceilMode: this.ceilMode };
  }
  override extraRepr(): string {
    return `normType=${this.normType}, kernelSize=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.stride)}, ceilMode=${this.ceilMode}`;
  }
}

/** Power-average pooling of `(N, C, L)` (torch.nn.LPPool1d): `(sum of x^p over the window)^(1/p)`. */
export class LPPool1d extends LPPoolNd {
  forward(x: Tensor): Tensor {
    return P.lpPool1d(x, this.normType, this.kernelSize, this.poolOptions, this.name);
  }
}
/** Power-average pooling of `(N, C, H, W)` (torch.nn.LPPool2d). */
export class LPPool2d extends LPPoolNd {
  forward(x: Tensor): Tensor {
    return P.lpPool2d(x, this.normType, this.kernelSize, this.poolOptions, this.name);
  }
}

type UnpoolFn = typeof P.maxUnpool2d;

abstract class MaxUnpoolNd extends Module {
  /** Forward takes (input, indices) and an optional `{ outputSize }`. */
  static override signature = forwardSignature('input indices', ['outputSize']);
  /** The pool's window size. */
  readonly kernelSize: IntOrTuple;
  /** The pool's stride (null: kernelSize). */
  readonly stride: IntOrTuple | null;
  /** The pool's padding. */
  readonly padding: IntOrTuple;
  protected abstract readonly fn: UnpoolFn;
  constructor(kernelSize: IntOrTuple, opts: { stride?: IntOrTuple | null; padding?: IntOrTuple } = {}) {
    super();
    checkOptions(this.name, opts, ['stride', 'padding']);
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? null;
    this.padding = opts.padding ?? 0;
  }
  /**
   * `input` values written at `indices` (as maxPool's returnIndices gives them) into zeros of the
   * pooled input's size, or `outputSize`.
   */
  forward(input: Tensor, indices: Tensor, opts: { outputSize?: readonly number[] | null } = {}): Tensor {
    return this.fn(
      input,
      indices,
      this.kernelSize,
      { stride: this.stride, padding: this.padding, outputSize: opts.outputSize ?? null },
      this.name,
    );
  }
  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.stride)}, padding=${JSON.stringify(this.padding)}`;
  }
}

/** Partial inverse of MaxPool1d (torch.nn.MaxUnpool1d). */
export class MaxUnpool1d extends MaxUnpoolNd {
  protected readonly fn = P.maxUnpool1d;
}
/** Partial inverse of MaxPool2d (torch.nn.MaxUnpool2d): `forward(input, indices, { outputSize })`. */
export class MaxUnpool2d extends MaxUnpoolNd {
  protected readonly fn = P.maxUnpool2d;
}
/** Partial inverse of MaxPool3d (torch.nn.MaxUnpool3d). */
export class MaxUnpool3d extends MaxUnpoolNd {
  protected readonly fn = P.maxUnpool3d;
}
