/** Upsample, UpsamplingNearest2d, UpsamplingBilinear2d (alignCorners = true), over F.interpolate. */
import type { Tensor } from '../../tensor/tensor.js';
import { type InterpolateMode, interpolate } from '../functional/interpolate.js';
import { Module } from '../module.js';
import { INTERPOLATE_KEYS } from '../option-keys.js';
import { checkOptions, forwardSignature } from '../validate.js';

/** Options of {@link Upsample}: give `size` or `scaleFactor`; see {@link F.InterpolateOptions}. */
export interface UpsampleOptions {
  /** Output spatial size. */
  size?: number | readonly number[] | null;
  /** Multiplier of the spatial size. */
  scaleFactor?: number | readonly number[] | null;
  /** Resampling method (default `'nearest'`). */
  mode?: InterpolateMode;
  /** Align the corner pixels of input and output (linear modes and bicubic only; default false). */
  alignCorners?: boolean | null;
}

/** The options of the fixed-mode upsamplers. */
const SIZE_KEYS = ['size', 'scaleFactor'] as const;

/** Resize the spatial dims of `[N, C, ...]` inputs with {@link F.interpolate} (torch.nn.Upsample). */
export class Upsample extends Module {
  static override signature = forwardSignature('input');
  /** @param options - size or scaleFactor, mode, alignCorners. */
  constructor(readonly options: UpsampleOptions = {}) {
    super();
    checkOptions(this.name, options, INTERPOLATE_KEYS);
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }
}

/** Nearest-neighbour upsampling of `[N, C, H, W]` (torch.nn.UpsamplingNearest2d). */
export class UpsamplingNearest2d extends Upsample {
  constructor(
    opts: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {},
  ) {
    checkOptions(new.target.name, opts, SIZE_KEYS);
    super({ ...opts, mode: 'nearest' });
  }
}

/** Bilinear upsampling of `[N, C, H, W]` with alignCorners = true (torch.nn.UpsamplingBilinear2d). */
export class UpsamplingBilinear2d extends Upsample {
  constructor(
    opts: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {},
  ) {
    checkOptions(new.target.name, opts, SIZE_KEYS);
    super({ ...opts, mode: 'bilinear', alignCorners: true });
  }
}
