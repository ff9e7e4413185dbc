/**
 * Adaptive pools (F.adaptiveAvgPool1d/2d/3d, F.adaptiveMaxPool1d/2d/3d): window i of a dim
 * of In positions pooled to Out spans [floor(i*In/Out), ceil((i+1)*In/Out)), as PyTorch.
 */
import { fromTypedArray } from '../../ops/creation.js';
import { indexSelectUnchecked, pad } from '../../ops/indexing.js';
import { argmax, max, sum } from '../../ops/reduce.js';
import { cast, reshape, transpose, unsqueeze } from '../../ops/view.js';
import { tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions } from '../validate.js';
import { checkInput, maxResult, pickIndices, prod, range } from './pool-common.js';

/** An adaptive output size; null keeps that input dim. */
export type AdaptiveSize = number | null | readonly (number | null)[];

function adaptiveSizes(name: string, size: AdaptiveSize, spatial: readonly number[]): number[] {
  const d = spatial.length;
  let list: (number | null)[] =
    typeof size === 'number' || size === null ? new Array(d).fill(size) : [...size];
  if (list.length === 1 && d > 1) list = new Array(d).fill(list[0]);
  if (list.length !== d)
    throw new RangeError(`${name}: outputSize must have ${d} elements, got ${list.length}`);
  return list.map((s, i) => {
    const v = s ?? spatial[i];
    if (!Number.isInteger(v) || v <= 0)
      throw new RangeError(`${name}: outputSize must be positive integers, got ${JSON.stringify(size)}`);
    return v;
  });
}

const startOf = (i: number, inSize: number, outSize: number) => Math.floor((i * inSize) / outSize);
const endOf = (i: number, inSize: number, outSize: number) => Math.ceil(((i + 1) * inSize) / outSize);

function adaptiveAvgPoolNd(name: string, d: number, input: Tensor, outputSize: AdaptiveSize): Tensor {
  // The averaging matrices act on the last d dims, so unbatched inputs need no reshaping.
  checkInput(name, input, d);
  const spatial = input.shape.slice(input.ndim - d);
  const out = adaptiveSizes(name, outputSize, spatial);
  return tidy(() => {
    // Averaging over a box is separable: one pass per spatial dim. Each pass gathers every
    // window into a [Out, Kmax] table (short windows padded with a zero appended to the dim),
    // sums it and divides by the window length. A matmul with 1/n weights would multiply
    // every element by a weight, and 0 * NaN would spread one NaN or Inf to every output.
    let y = input;
    for (let i = 0; i < d; i++) {
      const n = spatial[i];
      const m = out[i];
      const dim = input.ndim - d + i;
      if (n === m) continue;
      let kmax = 0;
      for (let j = 0; j < m; j++) kmax = Math.max(kmax, endOf(j, n, m) - startOf(j, n, m));
      const table = new Int32Array(m * kmax).fill(n); // n: the appended zero
      const counts = new Float32Array(m);
      for (let j = 0; j < m; j++) {
        const s = startOf(j, n, m);
        const e = endOf(j, n, m);
        counts[j] = e - s;
        for (let t = s; t < e; t++) table[j * kmax + t - s] = t;
      }
      const moved = transpose(y, dim, input.ndim - 1);
      const padded = pad(moved, [0, 1]);
      // The table is in range by construction: no bounds check, no readback.
      const picked = indexSelectUnchecked(
        padded,
        input.ndim - 1,
        fromTypedArray(table, [m * kmax], input.backend),
      );
      const windowsOf = reshape(picked, [...moved.shape.slice(0, -1), m, kmax]);
      // Window lengths in the input's dtype (small integers: exact), so 16-bit stays 16-bit.
      const lengths = cast(fromTypedArray(counts, [m], input.backend), input.dtype);
      const mean = sum(windowsOf, input.ndim).div(lengths);
      y = transpose(mean, dim, input.ndim - 1);
    }
    return y === input ? input.mul(1) : y;
  });
}

function adaptiveMaxPoolNd(
  name: string,
  d: number,
  input: Tensor,
  outputSize: AdaptiveSize,
  returnIndices: boolean,
): Tensor | [Tensor, Tensor] {
  const unbatched = checkInput(name, input, d);
  const spatial = input.shape.slice(input.ndim - d);
  const out = adaptiveSizes(name, outputSize, spatial);
  // Windows differ in size: gather each through an index table [L, Kmax], padding short
  // windows by repeating their last element (a repeat after the first maximum never wins).
  const starts = out.map((m, i) => range(m).map((j) => startOf(j, spatial[i], m)));
  const ends = out.map((m, i) => range(m).map((j) => endOf(j, spatial[i], m)));
  const kmax = out.map((m, i) => Math.max(...range(m).map((j) => ends[i][j] - starts[i][j])));
  const L = prod(out);
  const K = prod(kmax);
  const table = new Int32Array(L * K);
  const o = new Array<number>(d);
  const kap = new Array<number>(d);
  for (let l = 0; l < L; l++) {
    let r = l;
    for (let i = d - 1; i >= 0; i--) {
      o[i] = r % out[i];
      r = Math.floor(r / out[i]);
    }
    let last = 0;
    for (let n = 0; n < K; n++) {
      let q = n;
      for (let i = d - 1; i >= 0; i--) {
        kap[i] = q % kmax[i];
        q = Math.floor(q / kmax[i]);
      }
      let inside = true;
      let flat = 0;
      for (let i = 0; i < d; i++) {
        const pos = starts[i][o[i]] + kap[i];
        if (pos >= ends[i][o[i]]) inside = false;
        flat = flat * spatial[i] + pos;
      }
      if (inside) last = flat;
      table[l * K + n] = last;
    }
  }
  return tidy(() => {
    const x = unbatched ? unsqueeze(input, 0) : input;
    const [N, C] = x.shape;
    const idx = fromTypedArray(table, [L * K], x.backend);
    // The window table is in range by construction: no bounds check, no readback.
    const picked = reshape(indexSelectUnchecked(reshape(x, [N, C, prod(spatial)]), 2, idx), [N, C, L, K]);
    const values = reshape(max(picked, 3), [N, C, ...out]);
    const indices = returnIndices
      ? reshape(pickIndices(reshape(idx, [L, K]), argmax(picked, 3)), [N, C, ...out])
      : null;
    return maxResult(values, indices, unbatched);
  });
}

/**
 * Mean pooling of `[N, C, L]` to `outputSize` positions; window `i` spans `[floor(i * L / out), ceil((i +
 * 1) * L / out))` as in PyTorch.
 */
export function adaptiveAvgPool1d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveAvgPoolNd('adaptiveAvgPool1d', 1, x, outputSize);
}
/** Mean pooling of `[N, C, H, W]` to `outputSize` (a null entry keeps that dim). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveAvgPoolNd('adaptiveAvgPool2d', 2, x, outputSize);
}
/** Mean pooling of `[N, C, D, H, W]` to `outputSize` (a null entry keeps that dim). */
export function adaptiveAvgPool3d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveAvgPoolNd('adaptiveAvgPool3d', 3, x, outputSize);
}

/** adaptiveMaxPoolNd's public signature: [values, indices] with returnIndices, else values. */
interface AdaptiveMaxPoolFn {
  (x: Tensor, outputSize: AdaptiveSize, opts: { returnIndices: true }): [Tensor, Tensor];
  (x: Tensor, outputSize: AdaptiveSize, opts?: { returnIndices?: boolean }): Tensor;
}
const adaptiveMaxPoolFor = (name: string, d: number): AdaptiveMaxPoolFn =>
  ((x: Tensor, outputSize: AdaptiveSize, opts: { returnIndices?: boolean } = {}) => {
    checkOptions(name, opts, ['returnIndices']);
    return adaptiveMaxPoolNd(name, d, x, outputSize, opts.returnIndices ?? false);
  }) as AdaptiveMaxPoolFn;

/** Max pooling of `[N, C, L]` to `outputSize` positions; `[values, indices]` with returnIndices. */
export const adaptiveMaxPool1d = adaptiveMaxPoolFor('adaptiveMaxPool1d', 1);
/** Max pooling of `[N, C, H, W]` to `outputSize`; `[values, indices]` with returnIndices. */
export const adaptiveMaxPool2d = adaptiveMaxPoolFor('adaptiveMaxPool2d', 2);
/** Max pooling of `[N, C, D, H, W]` to `outputSize`; `[values, indices]` with returnIndices. */
export const adaptiveMaxPool3d = adaptiveMaxPoolFor('adaptiveMaxPool3d', 3);
