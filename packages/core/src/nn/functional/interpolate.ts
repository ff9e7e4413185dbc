/**
 * F.interpolate with torch.nn.functional.interpolate's index formulas. Every mode is
 * separable, so each spatial dim is resampled on its own: 'nearest' is a gather
 * (indexSelect), 'linear'/'bilinear'/'trilinear'/'bicubic' multiply by an [In, Out]
 * interpolation matrix. Gradients come from those ops.
 */

import { fromTypedArray } from '../../ops/creation.js';
import { indexSelectUnchecked } from '../../ops/indexing.js';
import { matmul } from '../../ops/linalg.js';
import { cast, transpose } from '../../ops/view.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { INTERPOLATE_KEYS } from '../option-keys.js';
import { checkOptions, checkTensor } from '../validate.js';

/**
 * Resampling method of {@link interpolate}: nearest neighbour, or linear over 1, 2 or 3 dims, or bicubic
 * over 2.
 */
export type InterpolateMode = 'nearest' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear';

/** Options of {@link interpolate}: give `size` or `scaleFactor`, not both. */
export interface InterpolateOptions {
  /** Output spatial size (one number for every dim, or one per dim). */
  size?: number | readonly number[] | null;
  /** Multiplier of the spatial size (one number, or one per dim); the output size is floored. */
  scaleFactor?: number | readonly number[] | null;
  /** Resampling method (default `'nearest'`). */
  mode?: InterpolateMode;
  /** Only for the linear modes and bicubic; PyTorch's default is false. */
  alignCorners?: boolean | null;
}

const MODE_DIMS: Record<InterpolateMode, number | null> = {
  nearest: null,
  linear: 1,
  bilinear: 2,
  bicubic: 2,
  trilinear: 3,
};

/** PyTorch's area_pixel_compute_scale. */
function pixelScale(inSize: number, outSize: number, align: boolean, scale: number | null): number {
  if (align) return outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  return scale !== null && scale > 0 ? 1 / scale : inSize / outSize;
}

/** PyTorch's nearest_idx, in float32 arithmetic as its kernels compute it. */
function nearestIndex(inSize: number, outSize: number, scale: number | null): Int32Array {
  const idx = new Int32Array(outSize);
  const s = Math.fround(scale !== null && scale > 0 ? 1 / scale : inSize / outSize);
  for (let j = 0; j < outSize; j++) {
    if (outSize === inSize) idx[j] = j;
    else if (outSize === 2 * inSize) idx[j] = j >> 1;
    else idx[j] = Math.min(Math.floor(Math.fround(j * s)), inSize - 1);
  }
  return idx;
}

function cubic1(x: number, A: number): number {
  return ((A + 2) * x - (A + 3)) * x * x + 1;
}
function cubic2(x: number, A: number): number {
  return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}

/** [In, Out] matrix whose column j holds the weights that make output j. */
function interpMatrix(
  inSize: number,
  outSize: number,
  mode: 'linear' | 'cubic',
  align: boolean,
  scale: number | null,
) {
  const m = new Float32Array(inSize * outSize);
  const s = pixelScale(inSize, outSize, align, scale);
  for (let j = 0; j < outSize; j++) {
    let src = align ? s * j : s * (j + 0.5) - 0.5;
    if (mode === 'linear') {
      if (!align && src < 0) src = 0;
      const i0 = Math.floor(src);
      const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
      const l1 = src - i0;
      m[i0 * outSize + j] += 1 - l1;
      m[i1 * outSize + j] += l1;
    } else {
      const i0 = Math.floor(src);
      const t = src - i0;
      const A = -0.75;
      const w = [cubic2(t + 1, A), cubic1(t, A), cubic1(1 - t, A), cubic2(2 - t, A)];
      for (let q = 0; q < 4; q++) {
        const i = Math.min(Math.max(i0 - 1 + q, 0), inSize - 1);
        m[i * outSize + j] += w[q];
      }
    }
  }
  return m;
}

function listOf(v: number | readonly number[], d: number, what: string): number[] {
  const l = typeof v === 'number' ? new Array<number>(d).fill(v) : [...v];
  if (l.length !== d) {
    throw new RangeError(`interpolate: ${what} must have ${d} elements for a ${d}-D resize, got ${l.length}`);
  }
  return l;
}

/**
 * Resize the spatial dims of `x` `[N, C, ...spatial]` (torch.nn.functional.interpolate): 1-d
 * for linear, 2-d for bilinear and bicubic, 3-d for trilinear; nearest on any. Throws when
 * the mode does not fit the rank, or when both or neither of size and scaleFactor are given.
 */
export function interpolate(x: Tensor, opts: InterpolateOptions = {}): Tensor {
  checkTensor('interpolate', 'input', x);
  checkOptions('interpolate', opts, INTERPOLATE_KEYS);
  const mode = opts.mode ?? 'nearest';
  if (!(mode in MODE_DIMS)) throw new RangeError(`interpolate: unsupported mode '${mode}'`);
  if (!isFloat(x.dtype)) throw new TypeError(`interpolate expected a float input, got ${x.dtype}`);
  const d = x.ndim - 2;
  if (d < 1 || d > 3) {
    throw new RangeError(
      `interpolate expected a 3-D, 4-D or 5-D (batched) input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
    );
  }
  const need = MODE_DIMS[mode];
  if (need !== null && need !== d) {
    throw new RangeError(
      `interpolate: mode '${mode}' expects a ${need + 2}-D input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
    );
  }
  const alignSet = opts.alignCorners !== undefined && opts.alignCorners !== null;
  if (alignSet && mode === 'nearest') {
    throw new RangeError(
      'interpolate: alignCorners can only be set with the interpolating modes linear | bilinear | bicubic | trilinear',
    );
  }
  const align = opts.alignCorners ?? false;
  const hasSize = opts.size !== undefined && opts.size !== null;
  const hasScale = opts.scaleFactor !== undefined && opts.scaleFactor !== null;
  if (hasSize === hasScale) throw new RangeError('interpolate: give exactly one of size and scaleFactor');
  const spatial = x.shape.slice(2);
  const scales = hasScale ? listOf(opts.scaleFactor as number | number[], d, 'scaleFactor') : null;
  const out = hasSize
    ? listOf(opts.size as number | number[], d, 'size')
    : spatial.map((s, i) => Math.floor(s * (scales as number[])[i]));
  if (out.some((o) => !Number.isInteger(o) || o <= 0)) {
    throw new RangeError(
      `interpolate: output size ${fmtShape(out)} must be positive integers (input ${fmtShape(x.shape)})`,
    );
  }
  return tidy(() => {
    let y = x;
    for (let i = 0; i < d; i++) {
      const dim = 2 + i;
      const scale = scales ? scales[i] : null;
      if (mode === 'nearest') {
        // Source rows computed from the sizes are in range: no bounds check, no readback.
        const rows = fromTypedArray(nearestIndex(spatial[i], out[i], scale), [out[i]], x.backend);
        y = indexSelectUnchecked(y, dim, rows);
      } else {
        const mat = interpMatrix(spatial[i], out[i], mode === 'bicubic' ? 'cubic' : 'linear', align, scale);
        const moved = transpose(y, dim, x.ndim - 1);
        // float32 weights: a 16-bit input is widened for the pass and rounded once after it.
        const w = fromTypedArray(mat, [spatial[i], out[i]], x.backend);
        y = transpose(cast(matmul(cast(moved, 'float32'), w), x.dtype), dim, x.ndim - 1);
      }
    }
    return y;
  });
}
