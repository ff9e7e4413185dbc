/**
 * F.unfold (im2col) and F.fold (col2im) of torch.nn.functional, over the sliding-window view
 * and its adjoint in windows.ts: unfold is a padded window view copied to
 * `(N, C * prod(k), L)`, fold sums such columns back into place. Each is the other's gradient.
 */
import { pad } from '../../ops/indexing.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor } from '../validate.js';
import { col2im, tuple, windowCount, windows } from './windows.js';

/** Options of {@link unfold} and {@link fold} (and nn.Unfold / nn.Fold). */
export interface FoldOptions {
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
  /** Implicit zeros on both sides of each spatial dim (default 0). */
  padding?: number | readonly number[];
  /** Step between windows (default 1). */
  stride?: number | readonly number[];
}

const FOLD_KEYS = ['dilation', 'padding', 'stride'] as const;

interface Geometry {
  k: number[];
  dilation: number[];
  padding: number[];
  stride: number[];
}

function geometry(layer: string, kernelSize: number | readonly number[], opts: FoldOptions): Geometry {
  checkOptions(layer, opts, FOLD_KEYS);
  return {
    k: tuple(kernelSize, 2, 1, layer, 'kernelSize'),
    dilation: tuple(opts.dilation, 2, 1, layer, 'dilation'),
    padding: tuple(opts.padding, 2, 0, layer, 'padding', 0),
    stride: tuple(opts.stride, 2, 1, layer, 'stride'),
  };
}

const describe = (g: Geometry) =>
  `kernelSize=(${g.k.join(', ')}), dilation=(${g.dilation.join(', ')}), padding=(${g.padding.join(', ')}), stride=(${g.stride.join(', ')})`;

/**
 * Extract sliding local blocks (im2col): `(N, C, H, W)` or `(C, H, W)` to `(N, C * kh * kw, L)` (or
 * `(C * kh * kw, L)`), L the number of windows. `layer` names the caller in errors.
 */
export function unfold(
  x: Tensor,
  kernelSize: number | readonly number[],
  opts: FoldOptions = {},
  layer = 'unfold',
): Tensor {
  checkTensor(layer, 'input', x);
  const g = geometry(layer, kernelSize, opts);
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new RangeError(
      `${layer}: expected a 3-D (unbatched) or 4-D (batched) input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
    );
  }
  const [h, w] = x.shape.slice(-2).map((s, i) => s + 2 * g.padding[i]);
  const o = [h, w].map((s, i) => windowCount(s, g.k[i], g.stride[i], g.dilation[i]));
  if (o.some((n) => n < 1)) {
    throw new RangeError(
      `${layer}: ${describe(g)} give no sliding blocks for input of shape ${fmtShape(x.shape)} (padded spatial size (${h}, ${w}))`,
    );
  }
  return tidy(() => {
    const batched = x.ndim === 4 ? x : x.unsqueeze(0);
    const [n, c] = batched.shape;
    const [ph, pw] = g.padding;
    const xp = ph || pw ? pad(batched, [pw, pw, ph, ph]) : batched;
    const cols = windows(xp, g.k, g.stride, g.dilation).reshape([n, c * g.k[0] * g.k[1], o[0] * o[1]]);
    return x.ndim === 4 ? cols : cols.squeeze(0);
  });
}

/**
 * Combine sliding local blocks into a tensor (col2im, summing overlaps): `(N, C * kh * kw, L)` or
 * `(C * kh * kw, L)` to `(N, C, *outputSize)` (or `(C, *outputSize)`). `layer` names the caller in
 * errors.
 */
export function fold(
  x: Tensor,
  outputSize: number | readonly number[],
  kernelSize: number | readonly number[],
  opts: FoldOptions = {},
  layer = 'fold',
): Tensor {
  checkTensor(layer, 'input', x);
  const g = geometry(layer, kernelSize, opts);
  const size = tuple(outputSize, 2, 1, layer, 'outputSize');
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new RangeError(
      `${layer}: expected a 2-D (unbatched) or 3-D (batched) input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
    );
  }
  const [ck, l] = x.shape.slice(-2);
  const kk = g.k[0] * g.k[1];
  if (ck % kk !== 0) {
    throw new RangeError(
      `${layer}: expected size of input's dimension ${x.ndim - 2} to be divisible by the product of kernelSize (${kk}), got ${ck} (input of shape ${fmtShape(x.shape)})`,
    );
  }
  const padded = size.map((s, i) => s + 2 * g.padding[i]);
  const o = padded.map((s, i) => windowCount(s, g.k[i], g.stride[i], g.dilation[i]));
  if (o.some((n) => n < 1) || o[0] * o[1] !== l) {
    throw new RangeError(
      `${layer}: given outputSize=(${size.join(', ')}), ${describe(g)}, expected size of input's dimension ${x.ndim - 1} to match the calculated number of sliding blocks ${o[0]} * ${o[1]} = ${Math.max(o[0], 0) * Math.max(o[1], 0)}, got ${l}`,
    );
  }
  return tidy(() => {
    const batched = x.ndim === 3 ? x : x.unsqueeze(0);
    const n = batched.shape[0];
    const cols = batched.reshape([n, ck / kk, g.k[0], g.k[1], o[0], o[1]]);
    let out = col2im(cols.contiguous(), padded, g.k, g.stride, g.dilation);
    const [ph, pw] = g.padding;
    if (ph) out = out.narrow(2, ph, size[0]);
    if (pw) out = out.narrow(3, pw, size[1]);
    if (ph || pw) out = out.contiguous();
    return x.ndim === 3 ? out : out.squeeze(0);
  });
}
