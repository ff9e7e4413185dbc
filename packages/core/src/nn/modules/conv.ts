/**
 * Conv1d/2d/3d and ConvTranspose1d/2d/3d: PyTorch's weight layout and state-dict keys
 * (`weight`, `bias`), kaiming-uniform(a = sqrt(5)) weights and U(-1/sqrt(fan_in), ..) bias,
 * paddingMode 'zeros' | 'reflect' | 'replicate' | 'circular'.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { zeros } from '../../ops/creation.js';
import { pad } from '../../ops/indexing.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  type ConvOptions,
  convNd,
  convTransposeNd,
  type IntOrTuple,
  padArg,
  resolvePadding,
} from '../functional/conv-nd.js';
import { tuple } from '../functional/windows.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { CONV_KEYS, CONV_TRANSPOSE_KEYS } from '../option-keys.js';
import { checkOptions, forwardSignature } from '../validate.js';
import { withDims } from './dims.js';

// The module adds bias and paddingMode to F's options.
const CONV_MODULE_KEYS = [...CONV_KEYS, 'bias', 'paddingMode'] as const;
const CONV_T_MODULE_KEYS = [...CONV_TRANSPOSE_KEYS, 'bias', 'paddingMode'] as const;

/**
 * How a convolution pads its input: zeros, or a mirror / edge / wrap-around copy of it (applied before an
 * unpadded convolution, as PyTorch does).
 */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/**
 * Options of {@link Conv1d}, {@link Conv2d} and {@link Conv3d}; a number applies to every spatial dim, a
 * tuple gives one per dim.
 */
export interface ConvModuleOptions {
  /** Step of the sliding window (default 1). */
  stride?: IntOrTuple;
  /**
   * Implicit padding on both sides of each spatial dim (default 0), or `'same'` (output size = input size;
   * stride 1 only) or `'valid'` (none).
   */
  padding?: IntOrTuple | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
  /** Split channels into this many independent groups (default 1); must divide both channel counts. */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** How padded positions are filled (default `'zeros'`). */
  paddingMode?: PaddingMode;
}

/** Options of {@link ConvTranspose1d}, {@link ConvTranspose2d} and {@link ConvTranspose3d}. */
export interface ConvTransposeModuleOptions {
  /** Step of the corresponding convolution (default 1): the output grows by this factor. */
  stride?: IntOrTuple;
  /** `dilation * (kernelSize - 1) - padding` zeros are added to both sides of the input (default 0). */
  padding?: IntOrTuple;
  /**
   * Extra size added to one side of the output (default 0; must be smaller than stride or dilation), to
   * pick among the sizes a strided convolution maps to the same input size.
   */
  outputPadding?: IntOrTuple;
  /** Split channels into this many independent groups (default 1). */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
  /** Only `'zeros'`, as in PyTorch. */
  paddingMode?: 'zeros';
}

/** Shared parameter creation and reset_parameters() of PyTorch's _ConvNd. */
abstract class ConvBase extends Module {
  /**
   * Learnable kernel: `[outChannels, inChannels / groups, ...kernelSize]` for convolutions, `[inChannels,
   * outChannels / groups, ...kernelSize]` for transposed ones. Initialised kaiming-uniform with a =
   * sqrt(5), as PyTorch.
   */
  declare weight: Tensor;
  /** Learnable bias `[outChannels]`, U(-1/sqrt(fanIn), 1/sqrt(fanIn)) initially; null with `bias: false`. */
  declare bias: Tensor | null;
  /** Kernel size per spatial dim. */
  readonly kernelSize: number[];
  /** Stride per spatial dim. */
  readonly stride: number[];
  /** Dilation per spatial dim. */
  readonly dilation: number[];
  /** Number of channel groups. */
  readonly groups: number;

  constructor(
    /** Number of spatial dims (1, 2 or 3). */
    readonly d: number,
    transposed: boolean,
    /** Channels of the input. */
    readonly inChannels: number,
    /** Channels of the output. */
    readonly outChannels: number,
    kernelSize: IntOrTuple,
    opts: { stride?: IntOrTuple; dilation?: IntOrTuple; groups?: number; bias?: boolean },
  ) {
    super();
    const name = this.name;
    this.kernelSize = tuple(kernelSize, d, 1, name, 'kernelSize');
    this.stride = tuple(opts.stride, d, 1, name, 'stride');
    this.dilation = tuple(opts.dilation, d, 1, name, 'dilation');
    this.groups = opts.groups ?? 1;
    for (const [label, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new RangeError(`${name}: ${label} must be a positive integer, got ${v}`);
    }
    if (!Number.isInteger(this.groups) || this.groups <= 0) {
      throw new RangeError(`${name}: groups must be a positive integer, got ${this.groups}`);
    }
    if (inChannels % this.groups !== 0)
      throw new RangeError(`${name}: inChannels must be divisible by groups`);
    if (outChannels % this.groups !== 0)
      throw new RangeError(`${name}: outChannels must be divisible by groups`);
    const shape = transposed
      ? [inChannels, outChannels / this.groups, ...this.kernelSize]
      : [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.registerParameter('weight', zeros(shape));
    this.registerParameter('bias', (opts.bias ?? true) ? zeros([outChannels]) : null);
    this.resetParameters();
  }

  /** Re-initialise `weight` and `bias` as the constructor did (PyTorch's reset_parameters). */
  resetParameters(): void {
    noGrad(() => {
      kaimingUniform_(this.weight, { a: Math.sqrt(5) });
      if (this.bias) {
        const [fanIn] = calculateFanInAndFanOut(this.weight);
        if (fanIn > 0) {
          const bound = 1 / Math.sqrt(fanIn);
          uniform_(this.bias, -bound, bound);
        }
      }
    });
  }
}

abstract class ConvNdModule extends ConvBase {
  static override signature = forwardSignature('input');
  /** Padding as given: per-dim sizes, `'same'` or `'valid'`. */
  readonly padding: IntOrTuple | 'same' | 'valid';
  /** How padded positions are filled. */
  readonly paddingMode: PaddingMode;
  /** (left, right) per spatial dim, used when paddingMode is not 'zeros'. */
  private readonly modePads: [number, number][];

  constructor(
    d: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvModuleOptions = {},
  ) {
    checkOptions(new.target.name, opts, CONV_MODULE_KEYS);
    super(d, false, inChannels, outChannels, kernelSize, opts);
    this.padding = opts.padding ?? 0;
    this.paddingMode = opts.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(this.paddingMode)) {
      throw new RangeError(
        `${this.name}: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got '${this.paddingMode}'`,
      );
    }
    this.modePads = resolvePadding(this.name, this.padding, d, this.kernelSize, this.stride, this.dilation);
  }

  /**
   * Convolve `x` of shape `[N, inChannels, ...spatial]` (or unbatched `[inChannels, ...spatial]`)
   * into `[N, outChannels, ...out]` with `out = floor((in + 2 * padding - dilation * (kernel - 1) - 1) /
   * stride) + 1`.
   * Throws when the channel count or rank of `x` is wrong, or the padded input is smaller than the kernel.
   */
  forward(x: Tensor): Tensor {
    const opts: ConvOptions = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros') {
      return convNd(this.name, this.d, x, this.weight, this.bias, { ...opts, padding: this.padding });
    }
    // As PyTorch: pad with the mode first, then convolve without padding.
    if (x.ndim !== this.d + 1 && x.ndim !== this.d + 2)
      return convNd(this.name, this.d, x, this.weight, this.bias, opts);
    const padded = pad(x, padArg(this.modePads), { mode: this.paddingMode });
    try {
      return convNd(this.name, this.d, padded, this.weight, this.bias, opts);
    } finally {
      padded.dispose();
    }
  }
}

/** 1-d convolution over `[N, C, L]` inputs (torch.nn.Conv1d). */
export class Conv1d extends withDims(ConvNdModule, 1) {}

/**
 * 2-d convolution over `[N, C, H, W]` inputs (torch.nn.Conv2d): the weight is
 * `[outChannels, inChannels / groups, kH, kW]`, state-dict keys `weight` and `bias`.
 * Throws on non-positive channel counts, groups that do not divide them, or an unknown paddingMode.
 *
 * @example
 * ```ts
 * const conv = new nn.Conv2d(1, 16, 3, { padding: 1 });      // keeps 28x28
 * const y = conv.forward(randn([8, 1, 28, 28]));              // [8, 16, 28, 28]
 * const down = new nn.Conv2d(16, 32, [3, 3], { stride: 2, padding: 1, paddingMode: 'reflect' });
 * down.forward(y).shape;                                      // [8, 32, 14, 14]
 * ```
 */
export class Conv2d extends withDims(ConvNdModule, 2) {}

/** 3-d convolution over `[N, C, D, H, W]` inputs (torch.nn.Conv3d). */
export class Conv3d extends withDims(ConvNdModule, 3) {}

abstract class ConvTransposeNdModule extends ConvBase {
  static override signature = forwardSignature('input', ['outputSize']);
  /** Padding per spatial dim (see {@link ConvTransposeModuleOptions.padding}). */
  readonly padding: number[];
  /** Extra output size per spatial dim. */
  readonly outputPadding: number[];

  constructor(
    d: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvTransposeModuleOptions = {},
  ) {
    checkOptions(new.target.name, opts, CONV_T_MODULE_KEYS);
    super(d, true, inChannels, outChannels, kernelSize, opts);
    if ((opts.paddingMode ?? 'zeros') !== 'zeros') {
      throw new RangeError(`${this.name}: only 'zeros' paddingMode is supported`);
    }
    this.padding = tuple(opts.padding, d, 0, this.name, 'padding', 0);
    this.outputPadding = tuple(opts.outputPadding, d, 0, this.name, 'outputPadding', 0);
  }

  /**
   * Transposed convolution of `x` `[N, inChannels, ...spatial]` (or unbatched) into
   * `[N, outChannels, ...out]` with `out = (in - 1) * stride - 2 * padding + dilation * (kernel - 1) +
   * outputPadding + 1`.
   * `outputSize` (spatial, or with leading batch/channel dims) picks the outputPadding instead,
   * as PyTorch; throws when it is not reachable.
   */
  forward(x: Tensor, opts: { outputSize?: readonly number[] } = {}): Tensor {
    const outputPadding = opts.outputSize ? this.paddingFor(x, opts.outputSize) : this.outputPadding;
    return convTransposeNd(this.name, this.d, x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }

  private paddingFor(x: Tensor, outputSize: readonly number[]): number[] {
    const d = this.d;
    const size = outputSize.length > d ? outputSize.slice(outputSize.length - d) : [...outputSize];
    if (size.length !== d) {
      throw new RangeError(
        `${this.name}: outputSize must have ${d} or ${d + 2} elements, got ${outputSize.length}`,
      );
    }
    const spatial = x.shape.slice(x.ndim - d);
    return size.map((want, i) => {
      const min =
        (spatial[i] - 1) * this.stride[i] -
        2 * this.padding[i] +
        this.dilation[i] * (this.kernelSize[i] - 1) +
        1;
      const max = min + this.stride[i] - 1;
      if (want < min || want > max) {
        throw new RangeError(
          `${this.name}: requested an output size of ${want} in dim ${i}, but valid sizes range from ${min} to ${max} (for an input of ${spatial[i]})`,
        );
      }
      return want - min;
    });
  }
}

/** 1-d transposed convolution ("deconvolution") over `[N, C, L]` inputs (torch.nn.ConvTranspose1d). */
export class ConvTranspose1d extends withDims(ConvTransposeNdModule, 1) {}

/**
 * 2-d transposed convolution over `[N, C, H, W]` inputs (torch.nn.ConvTranspose2d); the weight is
 * `[inChannels, outChannels / groups, kH, kW]`.
 */
export class ConvTranspose2d extends withDims(ConvTransposeNdModule, 2) {}

/** 3-d transposed convolution over `[N, C, D, H, W]` inputs (torch.nn.ConvTranspose3d). */
export class ConvTranspose3d extends withDims(ConvTransposeNdModule, 3) {}
