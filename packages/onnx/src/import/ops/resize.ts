/**
 * Resize (what nn.Upsample and F.interpolate export to) on core's F.interpolate. Only the
 * coordinate conventions PyTorch's modes use are accepted; any other combination is an error
 * naming it rather than a silently different resampling.
 */

import { F } from '@layers/core';
import type { Attrs } from '../attrs.js';
import type { OpContext, OpTable } from './types.js';

type Mode = 'nearest' | 'linear' | 'bilinear' | 'trilinear' | 'bicubic';

function torchMode(attrs: Attrs, d: number): { mode: Mode; alignCorners?: boolean } {
  const mode = attrs.string('mode', 'nearest');
  const coord = attrs.string('coordinate_transformation_mode', 'half_pixel');
  if (mode === 'nearest') {
    const nearest = attrs.string('nearest_mode', 'round_prefer_floor');
    if (coord !== 'asymmetric' || nearest !== 'floor') {
      throw attrs.unsupported(
        'coordinate_transformation_mode/nearest_mode',
        `${coord}/${nearest}`,
        "asymmetric/floor, PyTorch's 'nearest'",
      );
    }
    return { mode: 'nearest' };
  }
  if (coord !== 'half_pixel' && coord !== 'pytorch_half_pixel' && coord !== 'align_corners') {
    throw attrs.unsupported(
      'coordinate_transformation_mode',
      coord,
      'half_pixel, pytorch_half_pixel, align_corners',
    );
  }
  const alignCorners = coord === 'align_corners';
  if (mode === 'linear') {
    const byRank: Mode[] = ['linear', 'bilinear', 'trilinear'];
    if (d < 1 || d > 3) throw attrs.unsupported('linear resize over spatial dims', d, '1 to 3');
    return { mode: byRank[d - 1], alignCorners };
  }
  if (mode === 'cubic') {
    const a = attrs.float('cubic_coeff_a', -0.75);
    if (d !== 2 || Math.abs(a + 0.75) > 1e-6 || attrs.int('exclude_outside', 0) !== 0) {
      throw attrs.unsupported(
        'cubic resize',
        { dims: d, cubic_coeff_a: a },
        "PyTorch's bicubic: 2 spatial dims, a = -0.75",
      );
    }
    return { mode: 'bicubic', alignCorners };
  }
  throw attrs.unsupported('mode', mode, 'nearest, linear, cubic');
}

function checkBatchChannel(
  values: readonly number[],
  what: string,
  expect: readonly number[],
  ctx: OpContext,
): void {
  if (values[0] !== expect[0] || values[1] !== expect[1]) {
    throw new RangeError(
      `ONNX import: ${ctx.where}: ${what} must keep the batch and channel dims, got [${values.join(', ')}]`,
    );
  }
}

/** @internal */
export const RESIZE_OPS: OpTable = {
  Resize: {
    hostInputs: [1, 2, 3],
    device: ([xv, _roi, scalesV, sizesV], attrs, ctx) => {
      const x = ctx.t(xv, 'X');
      const d = x.ndim - 2;
      const opts = torchMode(attrs, d);
      const scales = scalesV?.shape[0] ? ctx.hostOf(scalesV, 'scales').data : null;
      if (scales) {
        checkBatchChannel(scales, 'scales', [1, 1], ctx);
        return [F.interpolate(x, { ...opts, scaleFactor: scales.slice(2) })];
      }
      const sizes = ctx.ints(sizesV, 'sizes');
      checkBatchChannel(sizes, 'sizes', x.shape.slice(0, 2), ctx);
      return [F.interpolate(x, { ...opts, size: sizes.slice(2) })];
    },
  },
};
