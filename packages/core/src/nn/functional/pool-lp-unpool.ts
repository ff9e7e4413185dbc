/**
 * F.lpPool1d / F.lpPool2d (power-average pooling over avgPool, as PyTorch 1.13 composes it) and
 * F.maxUnpool1d / 2d / 3d (the partial inverse of maxPool with returnIndices: values written back
 * at their argmax positions, zeros elsewhere).
 */

import { noGrad } from '../../autograd/grad-mode.js';
import { attach } from '../../autograd/node.js';
import { zeros } from '../../ops/creation.js';
import { checkIndices, gatherUnchecked, scatterAddUnchecked } from '../../ops/indexing.js';
import { detach } from '../../ops/view.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape, shapeEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor } from '../validate.js';
import type { IntOrTuple } from './conv-nd.js';
import { requireFloat } from './linear.js';
import { avgPool1d, avgPool2d } from './pool.js';
import { tuple } from './windows.js';

/** Options of {@link lpPool1d} and {@link lpPool2d}. */
export interface LPPoolOptions {
  /** Window step (default: kernelSize). */
  stride?: IntOrTuple | null;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
}

/** Options of the maxUnpool functions. */
export interface MaxUnpoolOptions {
  /** The pool's stride (default: kernelSize). */
  stride?: IntOrTuple | null;
  /** The pool's padding (default 0). */
  padding?: IntOrTuple;
  /** The output's spatial size (or its full shape), when the default one is ambiguous. */
  outputSize?: readonly number[] | null;
}

function lpPool(
  name: string,
  d: 1 | 2,
  x: Tensor,
  normType: number,
  kernelSize: IntOrTuple,
  opts: LPPoolOptions,
): Tensor {
  requireFloat(x, name);
  checkOptions(name, opts, ['stride', 'ceilMode']);
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new RangeError(`${name}: normType must be a positive number, got ${normType}`);
  }
  const k = tuple(kernelSize, d, 1, name, 'kernelSize');
  const pool = { stride: opts.stride ?? null, ceilMode: opts.ceilMode ?? false };
  return tidy(() => {
    const p = x.pow(normType);
    const out = d === 1 ? avgPool1d(p, k, pool) : avgPool2d(p, k, pool);
    // sign(out) * relu(|out|): PyTorch's guard for odd powers of negative inputs.
    return out
      .sign()
      .mul(out.abs().relu())
      .mul(k.reduce((a, b) => a * b, 1))
      .pow(1 / normType);
  });
}

/** lpPool1d's and lpPool2d's signature; `name` names the caller in errors. */
type LPPoolFn = (
  x: Tensor,
  normType: number,
  kernelSize: IntOrTuple,
  opts?: LPPoolOptions,
  name?: string,
) => Tensor;
const lpPoolFor =
  (d: 1 | 2): LPPoolFn =>
  (x, normType, kernelSize, opts = {}, name = `lpPool${d}d`) =>
    lpPool(name, d, x, normType, kernelSize, opts);

/**
 * Power-average pooling `(sum over the window of x^p)^(1/p)` of `(N, C, L)` or `(C, L)`
 * (torch.nn.functional.lp_pool1d; p = Infinity is not supported, use maxPool1d).
 */
export const lpPool1d = lpPoolFor(1);
/** Power-average pooling of `(N, C, H, W)` or `(C, H, W)` (torch.nn.functional.lp_pool2d). */
export const lpPool2d = lpPoolFor(2);

function maxUnpool(
  name: string,
  d: number,
  x: Tensor,
  indices: Tensor,
  kernelSize: IntOrTuple,
  opts: MaxUnpoolOptions,
): Tensor {
  requireFloat(x, name);
  checkTensor(name, 'indices', indices);
  checkOptions(name, opts, ['stride', 'padding', 'outputSize']);
  if (indices.dtype !== 'int32') throw new TypeError(`${name}: expected int32 indices, got ${indices.dtype}`);
  if (x.ndim !== d + 1 && x.ndim !== d + 2) {
    throw new RangeError(
      `${name}: expected ${d + 1}-D (unbatched) or ${d + 2}-D (batched) input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
    );
  }
  if (!shapeEqual(x.shape, indices.shape)) {
    throw new RangeError(
      `${name}: expected indices of the input's shape ${fmtShape(x.shape)}, got ${fmtShape(indices.shape)}`,
    );
  }
  const k = tuple(kernelSize, d, 1, name, 'kernelSize');
  const stride =
    opts.stride === undefined || opts.stride === null ? k : tuple(opts.stride, d, 1, name, 'stride');
  const padding = tuple(opts.padding, d, 0, name, 'padding', 0);
  const spatial = x.shape.slice(-d);
  const dflt = spatial.map((s, i) => (s - 1) * stride[i] - 2 * padding[i] + k[i]);
  let size = dflt;
  if (opts.outputSize) {
    const given = [...opts.outputSize];
    if (given.length !== d && given.length !== d + 2 && given.length !== x.ndim) {
      throw new RangeError(
        `${name}: outputSize must have ${d} or ${d + 2} elements, got ${JSON.stringify(given)}`,
      );
    }
    size = given.slice(-d);
    size.forEach((s, i) => {
      if (s <= dflt[i] - stride[i] || s >= dflt[i] + stride[i]) {
        throw new RangeError(
          `${name}: invalid outputSize ${JSON.stringify(given)}: dim ${i} must be greater than ${dflt[i] - stride[i]} and smaller than ${dflt[i] + stride[i]}`,
        );
      }
    });
  }
  const plane = size.reduce((a, b) => a * b, 1);
  checkIndices(
    indices,
    plane,
    name,
    (v) => `${name}: found an invalid max index ${v} (output volumes are of size ${size.join('x')})`,
  );
  return tidy(() => {
    const lead = x.shape.slice(0, -d);
    const flatShape = [...lead, spatial.reduce((a, b) => a * b, 1)];
    const idx = indices.reshape(flatShape);
    // Overlapping windows may name one position several times, always with the same value: the
    // sum divided by the count is that value.
    const out = noGrad(() => {
      const vals = detach(x).reshape(flatShape);
      const base = zeros([...lead, plane], { dtype: x.dtype, backend: x.backend });
      const sums = scatterAddUnchecked(base, lead.length, idx, vals);
      const counts = scatterAddUnchecked(base, lead.length, idx, vals.mul(0).add(1));
      return sums.div(counts.clamp(1)).reshape([...lead, ...size]);
    });
    // PyTorch's backward: each input reads the gradient at its index.
    return attach(out, name, [x], [idx], (g, [si]) => [
      gatherUnchecked(g.reshape([...lead, plane]), lead.length, si).reshape(x.shape),
    ]);
  });
}

/** The maxUnpool functions' signature; `name` names the caller in errors. */
type MaxUnpoolFn = (
  x: Tensor,
  indices: Tensor,
  kernelSize: IntOrTuple,
  opts?: MaxUnpoolOptions,
  name?: string,
) => Tensor;
const maxUnpoolFor =
  (d: 1 | 2 | 3): MaxUnpoolFn =>
  (x, indices, kernelSize, opts = {}, name = `maxUnpool${d}d`) =>
    maxUnpool(name, d, x, indices, kernelSize, opts);

/** Partial inverse of maxPool1d: `(N, C, L)` values at their `indices`, zeros elsewhere. */
export const maxUnpool1d = maxUnpoolFor(1);
/** Partial inverse of maxPool2d: `(N, C, H, W)` values at their flat `indices` into each plane. */
export const maxUnpool2d = maxUnpoolFor(2);
/** Partial inverse of maxPool3d: `(N, C, D, H, W)` values at their flat `indices` into each volume. */
export const maxUnpool3d = maxUnpoolFor(3);
