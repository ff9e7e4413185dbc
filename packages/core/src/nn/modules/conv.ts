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

// The module adds bias and paddingMode to F's options.
const CONV_MODULE_KEYS = [...CONV_KEYS, 'bias', 'paddingMode'] as const;
const CONV_T_MODULE_KEYS = [...CONV_TRANSPOSE_KEYS, 'bias', 'paddingMode'] as const;

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface ConvModuleOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple | 'same' | 'valid';
  dilation?: IntOrTuple;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

export interface ConvTransposeModuleOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
  groups?: number;
  bias?: boolean;
  dilation?: IntOrTuple;
  paddingMode?: 'zeros';
}

/** Shared parameter creation and reset_parameters() of PyTorch's _ConvNd. */
abstract class ConvBase extends Module {
  declare weight: Tensor;
  declare bias: Tensor | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly groups: number;

  constructor(
    readonly d: number,
    transposed: boolean,
    readonly inChannels: number,
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
  readonly padding: IntOrTuple | 'same' | 'valid';
  readonly paddingMode: PaddingMode;
  /** (left, right) per spatial dim, used when paddingMode is not 'zeros'. */
  private readonly modePads: [number, number][];

  constructor(
    d: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvModuleOptions,
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

export class Conv1d extends ConvNdModule {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvModuleOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
}

export class Conv2d extends ConvNdModule {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvModuleOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }
}

export class Conv3d extends ConvNdModule {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, opts: ConvModuleOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, opts);
  }
}

abstract class ConvTransposeNdModule extends ConvBase {
  static override signature = forwardSignature('input', ['outputSize']);
  readonly padding: number[];
  readonly outputPadding: number[];

  constructor(
    d: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvTransposeModuleOptions,
  ) {
    checkOptions(new.target.name, opts, CONV_T_MODULE_KEYS);
    super(d, true, inChannels, outChannels, kernelSize, opts);
    if ((opts.paddingMode ?? 'zeros') !== 'zeros') {
      throw new RangeError(`${this.name}: only 'zeros' paddingMode is supported`);
    }
    this.padding = tuple(opts.padding, d, 0, this.name, 'padding', 0);
    this.outputPadding = tuple(opts.outputPadding, d, 0, this.name, 'outputPadding', 0);
  }

  /** `outputSize` (spatial, or with leading batch/channel dims) picks the outputPadding, as PyTorch. */
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

export class ConvTranspose1d extends ConvTransposeNdModule {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvTransposeModuleOptions = {},
  ) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
}

export class ConvTranspose2d extends ConvTransposeNdModule {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvTransposeModuleOptions = {},
  ) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }
}

export class ConvTranspose3d extends ConvTransposeNdModule {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    opts: ConvTransposeModuleOptions = {},
  ) {
    super(3, inChannels, outChannels, kernelSize, opts);
  }
}
