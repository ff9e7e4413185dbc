/** Upsample, UpsamplingNearest2d, UpsamplingBilinear2d (alignCorners = true), over F.interpolate. */
import type { Tensor } from '../../tensor/tensor.js';
import { type InterpolateMode, interpolate } from '../functional/interpolate.js';
import { Module } from '../module.js';

export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
}

export class Upsample extends Module {
  constructor(readonly options: UpsampleOptions = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }
}

export class UpsamplingNearest2d extends Upsample {
  constructor(
    opts: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {},
  ) {
    super({ ...opts, mode: 'nearest' });
  }
}

export class UpsamplingBilinear2d extends Upsample {
  constructor(
    opts: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {},
  ) {
    super({ ...opts, mode: 'bilinear', alignCorners: true });
  }
}
