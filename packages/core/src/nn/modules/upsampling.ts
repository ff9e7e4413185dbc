/** Upsample, UpsamplingNearest2d, UpsamplingBilinear2d (alignCorners = true), over F.interpolate. */
import type { Tensor } from '../../tensor/tensor.js';
import { type InterpolateMode, interpolate } from '../functional/interpolate.js';
import { Module } from '../module.js';
import { INTERPOLATE_KEYS } from '../option-keys.js';
import { checkOptions, forwardSignature } from '../validate.js';

export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
}

/** The options of the fixed-mode upsamplers. */
const SIZE_KEYS = ['size', 'scaleFactor'] as const;

export class Upsample extends Module {
  static override signature = forwardSignature('input');
  constructor(readonly options: UpsampleOptions = {}) {
    super();
    checkOptions(this.name, options, INTERPOLATE_KEYS);
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }
}

export class UpsamplingNearest2d extends Upsample {
  constructor(
    opts: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {},
  ) {
    checkOptions(new.target.name, opts, SIZE_KEYS);
    super({ ...opts, mode: 'nearest' });
  }
}

export class UpsamplingBilinear2d extends Upsample {
  constructor(
    opts: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {},
  ) {
    checkOptions(new.target.name, opts, SIZE_KEYS);
    super({ ...opts, mode: 'bilinear', alignCorners: true });
  }
}
