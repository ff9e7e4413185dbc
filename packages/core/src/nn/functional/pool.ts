/**
 * Pooling with torch.nn.functional's semantics: max/avg over strided windows (a view of the
 * padded input, see windows.ts) and adaptive pools with start = floor(i*In/Out),
 * end = ceil((i+1)*In/Out). Gradients come from the composed ops (max over one axis sends
 * the gradient to the first maximum, as PyTorch's CPU kernels). 1-D and 2-D max/avg pools
 * run on the backend's fused `pool2d` when it has one (pool-fused.ts). The adaptive pools
 * are in pool-adaptive.ts (re-exported here), shared helpers in pool-common.ts.
 */

import { fromTypedArray } from '../../ops/creation.js';
import { pad } from '../../ops/indexing.js';
import { argmax, max, sum } from '../../ops/reduce.js';
import { permute, reshape, squeeze, unsqueeze } from '../../ops/view.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { AVG_POOL_KEYS, MAX_POOL_KEYS } from '../option-keys.js';
import { checkOptions } from '../validate.js';
import { composeInFloat32 } from './compose-f32.js';
import type { IntOrTuple } from './conv-nd.js';
import { fusedKernel } from './fused.js';
import { checkInput, maxResult, pickIndices, prod, range } from './pool-common.js';
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

export {
  type AdaptiveSize,
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
} from './pool-adaptive.js';
