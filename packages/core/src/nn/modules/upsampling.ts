/** Upsample, UpsamplingNearest2d, UpsamplingBilinear2d (alignCorners = true), over F.interpolate. */
import type { Tensor } from '../../tensor/tensor.js';
import { type InterpolateMode, interpolate } from '../functional/interpolate.js';
import { Module } from '../module.js';

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

/** Resize the spatial dims of `[N, C, ...]` inputs with {@link F.interpolate} (torch.nn.Upsample). */
export class Upsample extends Module {
  /** @param options - size or scaleFactor, mode, alignCorners. */
  constructor(readonly options: UpsampleOptions = {}) {
    super();
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
    super({ ...opts, mode: 'nearest' });
  }
}

/** Bilinear upsampling of `[N, C, H, W]` with alignCorners = true (torch.nn.UpsamplingBilinear2d). */
export class UpsamplingBilinear2d extends Upsample {
  constructor(
    opts: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {},
  ) {
    super({ ...opts, mode: 'bilinear', alignCorners: true });
  }
}
