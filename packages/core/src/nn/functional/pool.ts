/**
 * Pooling with torch.nn.functional's semantics: max/avg over strided windows (a view of the
 * padded input, see windows.ts) and adaptive pools with start = floor(i*In/Out),
 * end = ceil((i+1)*In/Out). Gradients come from the composed ops (max over one axis sends
 * the gradient to the first maximum, as PyTorch's CPU kernels). 1-D and 2-D max/avg pools
 * run on the backend's fused `pool2d` when it has one (pool-fused.ts).
 */

import { fromTypedArray } from '../../ops/creation.js';
import { gatherUnchecked, indexSelectUnchecked, pad } from '../../ops/indexing.js';
import { argmax, max, sum } from '../../ops/reduce.js';
import { cast, expand, permute, reshape, squeeze, transpose, unsqueeze } from '../../ops/view.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { AVG_POOL_KEYS, MAX_POOL_KEYS } from '../option-keys.js';
import { checkOptions, checkTensor } from '../validate.js';
import { composeInFloat32 } from './compose-f32.js';
import type { IntOrTuple } from './conv-nd.js';
import { fusedKernel } from './fused.js';
import { fusedAvgPool2d, fusedMaxPool2d, type Pool2dGeometry } from './pool-fused.js';
import { tuple, windows } from './windows.js';

/** Options of the max pools (F.maxPool1d/2d/3d, nn.MaxPool1d/2d/3d), with PyTorch's defaults. */
export interface MaxPoolOptions {
  /** Defaults to kernelSize. */
  stride?: IntOrTuple | null;
  /** Implicit -infinity padding on both sides (default 0; at most half the kernel). */
  padding?: IntOrTuple;
  /** Spacing between window elements (default 1). */
  dilation?: IntOrTuple;
  /**
   * Round the output size up instead of down (default false); a window must still start inside the input or
   * left padding.
   */
  ceilMode?: boolean;
  /** Also return the flat spatial index of each maximum (int32), as `[values, indices]` (default false). */
  returnIndices?: boolean;
}

/** Options of the average pools (F.avgPool1d/2d/3d, nn.AvgPool1d/2d/3d), with PyTorch's defaults. */
export interface AvgPoolOptions {
  /** Window step (default: kernelSize). */
  stride?: IntOrTuple | null;
  /** Implicit zero padding on both sides (default 0; at most half the kernel). */
  padding?: IntOrTuple;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead (default null). */
  divisorOverride?: number | null;
}

/** An adaptive output size; null keeps that input dim. */
export type AdaptiveSize = number | null | readonly (number | null)[];

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);
const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);

function checkInput(name: string, x: Tensor, d: number): boolean {
  checkTensor(name, 'input', x);
  if (!isFloat(x.dtype)) throw new TypeError(`${name} expected a float input, got ${x.dtype}`);
  if (x.ndim !== d + 1 && x.ndim !== d + 2) {
    throw new RangeError(
      `${name} expected a ${d + 1}-D (unbatched) or ${d + 2}-D (batched) input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
    );
  }
  if (x.shape.slice(x.ndim - d).some((s) => s === 0)) {
    throw new RangeError(`${name} expected non-empty spatial dims, got input of shape ${fmtShape(x.shape)}`);
  }
  return x.ndim === d + 1;
}

interface Geometry {
  k: number[];
  stride: number[];
  pad: number[];
  dil: number[];
  spatial: number[];
  out: number[];
}

/** PyTorch's pooling_output_shape, with its checks. */
function geometry(
  name: string,
  x: Tensor,
  d: number,
  kernelSize: IntOrTuple,
  opts: { stride?: IntOrTuple | null; padding?: IntOrTuple; dilation?: IntOrTuple; ceilMode?: boolean },
): Geometry {
  const k = tuple(kernelSize, d, 1, name, 'kernelSize');
  const stride =
    opts.stride === undefined ||
    opts.stride === null ||
    (Array.isArray(opts.stride) && opts.stride.length === 0)
      ? k
      : tuple(opts.stride, d, 1, name, 'stride');
  const pad = tuple(opts.padding, d, 0, name, 'padding', 0);
  const dil = tuple(opts.dilation, d, 1, name, 'dilation');
  pad.forEach((p, i) => {
    if (p > Math.floor(k[i] / 2)) {
      throw new RangeError(
        `${name}: pad should be at most half of kernel size, got padding ${p} for kernel size ${k[i]}`,
      );
    }
  });
  const spatial = x.shape.slice(x.ndim - d);
  const ceil = opts.ceilMode ?? false;
  const out = spatial.map((s, i) => {
    const num = s + 2 * pad[i] - dil[i] * (k[i] - 1) - 1 + (ceil ? stride[i] - 1 : 0);
    let o = Math.floor(num / stride[i]) + 1;
    // The last window must start inside the input or the left padding.
    if (ceil && (o - 1) * stride[i] >= s + pad[i]) o--;
    return o;
  });
  if (out.some((o) => o <= 0)) {
    throw new RangeError(
      `${name}: given input of shape ${fmtShape(x.shape)}, the calculated output size ${fmtShape(out)} is too small`,
    );
  }
  return { k, stride, pad, dil, spatial, out };
}

/** A 1-D or 2-D pool as the fused kernel's 2-D one: [N, C, L] becomes [N, C, 1, L]. */
function as2d(x: Tensor, g: Geometry): [Tensor, Pool2dGeometry] {
  const two = <T>(v: T[], one: T): [T, T] => (v.length === 2 ? [v[0], v[1]] : [one, v[0]]);
  return [
    g.k.length === 2 ? x : unsqueeze(x, 2),
    {
      kernel: two(g.k, 1),
      stride: two(g.stride, 1),
      padding: two(g.pad, 0),
      dilation: two(g.dil, 1),
      out: two(g.out, 1),
    },
  ];
}

/** Pad so that exactly `out` windows fit (negative right padding crops unused input). */
function padFor(x: Tensor, g: Geometry, value: number): Tensor {
  const pairs = g.spatial.map((s, i) => [
    g.pad[i],
    (g.out[i] - 1) * g.stride[i] + g.dil[i] * (g.k[i] - 1) + 1 - s - g.pad[i],
  ]);
  if (pairs.every(([l, r]) => l === 0 && r === 0)) return x;
  return pad(x, pairs.reverse().flat(), { value });
}

/** Row-major flat index into the (unpadded) spatial input of every window element: [...o, K]. */
function windowIndexTable(g: Geometry, x: Tensor): Tensor {
  const d = g.k.length;
  const L = prod(g.out);
  const K = prod(g.k);
  const table = new Int32Array(L * K);
  const o = new Array<number>(d);
  const kap = new Array<number>(d);
  for (let l = 0; l < L; l++) {
    let r = l;
    for (let i = d - 1; i >= 0; i--) {
      o[i] = r % g.out[i];
      r = Math.floor(r / g.out[i]);
    }
    for (let n = 0; n < K; n++) {
      let q = n;
      for (let i = d - 1; i >= 0; i--) {
        kap[i] = q % g.k[i];
        q = Math.floor(q / g.k[i]);
      }
      let flat = 0;
      for (let i = 0; i < d; i++)
        flat = flat * g.spatial[i] + (o[i] * g.stride[i] - g.pad[i] + kap[i] * g.dil[i]);
      table[l * K + n] = flat;
    }
  }
  return fromTypedArray(table, [...g.out, K], x.backend);
}

/** Pick indices[..., a] from table [...o, K] broadcast over the leading dims (a < K: an argmax). */
function pickIndices(table: Tensor, arg: Tensor): Tensor {
  const full = expand(table, [...arg.shape, table.shape[table.ndim - 1]]);
  return squeeze(gatherUnchecked(full, arg.ndim, unsqueeze(arg, arg.ndim)), arg.ndim);
}

/** A max pool's values, with its indices when asked for, without the batch dim it added. */
function maxResult(values: Tensor, indices: Tensor | null, unbatched: boolean): Tensor | [Tensor, Tensor] {
  const v = unbatched ? squeeze(values, 0) : values;
  if (!indices) return v;
  return [v, unbatched ? squeeze(indices, 0) : indices];
}

function maxPoolNd(
  name: string,
  d: number,
  input: Tensor,
  kernelSize: IntOrTuple,
  opts: MaxPoolOptions,
): Tensor | [Tensor, Tensor] {
  const unbatched = checkInput(name, input, d);
  checkOptions(name, opts, MAX_POOL_KEYS);
  const g = geometry(name, input, d, kernelSize, opts);
  return tidy(() => {
    const x = unbatched ? unsqueeze(input, 0) : input;
    const kernel = d <= 2 ? fusedKernel(x.backend, 'pool2d') : null;
    let values: Tensor;
    let indices: Tensor | null;
    if (kernel) {
      const [xs, g2] = as2d(x, g);
      [values, indices] = fusedMaxPool2d(kernel, xs, g2, opts.returnIndices ?? false);
      const shape = [...x.shape.slice(0, 2), ...g.out];
      values = reshape(values, shape);
      indices = indices && reshape(indices, shape);
    } else {
      const win = windows(padFor(x, g, Number.NEGATIVE_INFINITY), g.k, g.stride, g.dil); // [N, C, ...k, ...o]
      const moved = permute(win, [0, 1, ...range(d, 2 + d), ...range(d, 2)]);
      const flat = reshape(moved, [...moved.shape.slice(0, 2 + d), prod(g.k)]);
      const last = 2 + d;
      values = max(flat, last);
      indices = opts.returnIndices ? pickIndices(windowIndexTable(g, x), argmax(flat, last)) : null;
    }
    return maxResult(values, indices, unbatched);
  });
}

function avgPoolNd(
  name: string,
  d: number,
  input: Tensor,
  kernelSize: IntOrTuple,
  opts: AvgPoolOptions,
): Tensor {
  const unbatched = checkInput(name, input, d);
  checkOptions(name, opts, AVG_POOL_KEYS);
  const g = geometry(name, input, d, kernelSize, { ...opts, dilation: 1 });
  const override = opts.divisorOverride ?? null;
  if (override !== null && (!Number.isFinite(override) || override === 0)) {
    throw new RangeError(`${name}: divisorOverride must be non-zero, got ${override}`);
  }
  const includePad = opts.countIncludePad ?? true;
  // PyTorch's divisor per window: the window clipped to input + padding (countIncludePad)
  // or to the input alone; clipping by ceilMode applies to both.
  const L = prod(g.out);
  const divisor = new Float32Array(L);
  const o = new Array<number>(d);
  for (let l = 0; l < L; l++) {
    let r = l;
    for (let i = d - 1; i >= 0; i--) {
      o[i] = r % g.out[i];
      r = Math.floor(r / g.out[i]);
    }
    let poolSize = 1;
    let count = 1;
    for (let i = 0; i < d; i++) {
      const start = o[i] * g.stride[i] - g.pad[i];
      const end = Math.min(start + g.k[i], g.spatial[i] + g.pad[i]);
      poolSize *= end - start;
      count *= Math.min(end, g.spatial[i]) - Math.max(start, 0);
    }
    divisor[l] = override ?? (includePad ? poolSize : count);
  }
  return tidy(() => {
    const x = unbatched ? unsqueeze(input, 0) : input;
    const kernel = d <= 2 ? fusedKernel(x.backend, 'pool2d') : null;
    let out: Tensor;
    if (kernel) {
      const [xs, g2] = as2d(x, g);
      const y = fusedAvgPool2d(kernel, xs, g2, fromTypedArray(divisor, [L], x.backend));
      out = reshape(y, [...x.shape.slice(0, 2), ...g.out]);
    } else {
      const composed = (t: Tensor) =>
        sum(windows(padFor(t, g, 0), g.k, g.stride, g.dil), range(d, 2)).div(
          fromTypedArray(divisor, g.out, t.backend),
        );
      // 16-bit inputs sum in float32 and round once (compose-f32.ts).
      out = composeInFloat32(x, (w) => composed(w(x))) ?? composed(x);
    }
    return unbatched ? squeeze(out, 0) : out;
  });
}

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

// ---- public F functions ---------------------------------------------------------------

/** maxPoolNd's public signature: [values, indices] with returnIndices, else values. */
interface MaxPoolFn {
  (x: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
  (x: Tensor, kernelSize: IntOrTuple, opts?: MaxPoolOptions): Tensor;
}
const maxPoolFor = (name: string, d: number): MaxPoolFn =>
  ((x: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}) =>
    maxPoolNd(name, d, x, kernelSize, opts)) as MaxPoolFn;

/** Max over sliding windows of `[N, C, L]` (or `[C, L]`); `[values, indices]` with returnIndices. */
export const maxPool1d = maxPoolFor('maxPool1d', 1);
/**
 * Max over sliding windows of `[N, C, H, W]` (or `[C, H, W]`); `[values, indices]` with returnIndices.
 * Throws when the output would be empty or padding exceeds half the kernel.
 */
export const maxPool2d = maxPoolFor('maxPool2d', 2);
/**
 * Max over sliding windows of `[N, C, D, H, W]` (or `[C, D, H, W]`); `[values, indices]` with
 * returnIndices.
 */
export const maxPool3d = maxPoolFor('maxPool3d', 3);

/** Mean over sliding windows of `[N, C, L]` (or `[C, L]`). */
export function avgPool1d(x: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd('avgPool1d', 1, x, kernelSize, opts);
}
/** Mean over sliding windows of `[N, C, H, W]` (or `[C, H, W]`). */
export function avgPool2d(x: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd('avgPool2d', 2, x, kernelSize, opts);
}
/** Mean over sliding windows of `[N, C, D, H, W]` (or `[C, D, H, W]`). */
export function avgPool3d(x: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd('avgPool3d', 3, x, kernelSize, opts);
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
