/**
 * Normalisation: F.batchNorm, F.layerNorm (fused kernel when the backend has one),
 * F.rmsNorm, F.groupNorm. Statistics are reduced in float32 with PyTorch's conventions:
 * biased variance for normalising, unbiased for BatchNorm's running_var.
 */
import { castF32, wantsF32 } from '../../amp/autocast.js';
import { isGradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { attach } from '../../autograd/node.js';
import { empty } from '../../ops/kernel.js';
import { contiguous, detach } from '../../ops/view.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptionalTensor, checkOptions } from '../validate.js';
import { composeInFloat32 } from './compose-f32.js';
import { fusedKernel } from './fused.js';
import { requireFloat } from './linear.js';

/** Option names and optional-tensor options (weight, bias) of the normalisation functions. */
function checkNormOptions(layer: string, opts: object, keys: readonly string[]): void {
  checkOptions(layer, opts, keys);
  const o = opts as { weight?: unknown; bias?: unknown };
  checkOptionalTensor(layer, 'weight', o.weight);
  checkOptionalTensor(layer, 'bias', o.bias);
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Per-channel scale `[C]` (default none). */
  weight?: Tensor | null;
  /** Per-channel shift `[C]` (default none). */
  bias?: Tensor | null;
  /**
   * Normalise with the batch's statistics and update the running ones (default false: use the running
   * ones).
   */
  training?: boolean;
  /**
   * Running-average factor. A 0-d tensor is accepted too: BatchNorm's cumulative average
   * (momentum null) uses 1/num_batches_tracked without reading it back.
   */
  momentum?: number | Tensor;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/** [C] -> [1, C, 1, ...] so per-channel values broadcast over an [N, C, *] input. */
function perChannel(t: Tensor, ndim: number): Tensor {
  return t.reshape([1, t.size, ...new Array<number>(Math.max(ndim - 2, 0)).fill(1)]);
}

/**
 * Batch normalisation over every dim but 1 of x [N, C, *]. In training (or without running
 * statistics) the batch statistics normalise x and, when given, runningMean/runningVar are
 * updated in place: r = (1 - momentum) r + momentum * stat.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  opts: BatchNormOptions = {},
  layer = 'batchNorm',
): Tensor {
  requireFloat(x, layer);
  checkNormOptions(layer, opts, ['weight', 'bias', 'training', 'momentum', 'eps']);
  checkOptionalTensor(layer, 'runningMean', runningMean);
  checkOptionalTensor(layer, 'runningVar', runningVar);
  if (x.ndim < 2)
    throw new RangeError(
      `${layer} expected an input with at least 2 dimensions, got shape ${fmtShape(x.shape)}`,
    );
  const c = x.shape[1];
  for (const [name, t] of [
    ['running_mean', runningMean],
    ['running_var', runningVar],
    ['weight', opts.weight],
    ['bias', opts.bias],
  ] as const) {
    if (t && t.size !== c) {
      throw new RangeError(
        `${layer}: expected ${name} to have ${c} elements (input channels), got shape ${fmtShape(t.shape)}`,
      );
    }
  }
  const training = opts.training ?? false;
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  const useBatchStats = training || !runningMean || !runningVar;
  const dims = [0, ...x.shape.map((_, i) => i).slice(2)];
  const n = x.size / Math.max(c, 1);
  if (useBatchStats && n <= 1) {
    throw new RangeError(
      `${layer}: expected more than 1 value per channel when training, got input size ${fmtShape(x.shape)}`,
    );
  }
  return tidy(() => {
    let y: Tensor;
    if (useBatchStats) {
      const mean = x.mean(dims, { keepdim: true });
      const diff = x.sub(mean);
      const v = diff.square().mean(dims, { keepdim: true });
      y = diff.mul(v.add(eps).rsqrt());
      if (training && (runningMean || runningVar)) {
        noGrad(() => {
          const update = (r: Tensor, stat: Tensor) => {
            const s = detach(stat).reshape([c]);
            const next =
              typeof momentum === 'number'
                ? r.mul(1 - momentum).add(s.mul(momentum))
                : r.add(s.sub(r).mul(momentum));
            r._assign(next.contiguous());
          };
          if (runningMean) update(runningMean, mean);
          if (runningVar) update(runningVar, v.mul(n / (n - 1)));
        });
      }
    } else {
      const rm = perChannel(detach(runningMean!), x.ndim);
      const rv = perChannel(detach(runningVar!), x.ndim);
      y = x.sub(rm).mul(rv.add(eps).rsqrt());
    }
    if (opts.weight) y = y.mul(perChannel(opts.weight, x.ndim));
    if (opts.bias) y = y.add(perChannel(opts.bias, x.ndim));
    return y;
  });
}

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** Elementwise scale of normalizedShape (default none). */
  weight?: Tensor | null;
  /** Elementwise shift of normalizedShape (default none). */
  bias?: Tensor | null;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/** Checks that x ends with normalizedShape; returns the number of normalised elements. */
function checkNormalizedShape(x: Tensor, normalizedShape: readonly number[], layer: string): number {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || x.ndim < k || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new RangeError(
      `${layer}: given normalizedShape=${fmtShape(normalizedShape)}, expected input with shape [*, ${normalizedShape.join(', ')}], but got input of shape ${fmtShape(x.shape)}`,
    );
  }
  return normalizedShape.reduce((a, b) => a * b, 1);
}

function checkAffine(
  t: Tensor | null | undefined,
  normalizedShape: readonly number[],
  layer: string,
  name: string,
): void {
  if (!t) return;
  if (t.ndim !== normalizedShape.length || t.shape.some((d, i) => d !== normalizedShape[i])) {
    throw new RangeError(
      `${layer}: expected ${name} of shape ${fmtShape(normalizedShape)}, got ${fmtShape(t.shape)}`,
    );
  }
}

/** Mean and 1 / sqrt(biased variance + eps) of each row of x [rows, n], as recorded ops. */
function rowStats(x: Tensor, eps: number): [Tensor, Tensor] {
  const mean = x.mean(1);
  const v = x.sub(mean.unsqueeze(1)).square().mean(1);
  return [mean, v.add(eps).rsqrt()];
}

/** Layer normalisation over the trailing `normalizedShape` dims (biased variance). */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  opts: LayerNormOptions = {},
  layer = 'layerNorm',
): Tensor {
  requireFloat(x, layer);
  // autocast: norms run in float32.
  if (wantsF32(x, opts.weight, opts.bias)) {
    return tidy(() =>
      layerNorm(
        castF32(x),
        normalizedShape,
        { ...opts, weight: castF32(opts.weight), bias: castF32(opts.bias) },
        layer,
      ),
    );
  }
  checkNormOptions(layer, opts, ['weight', 'bias', 'eps']);
  const inner = checkNormalizedShape(x, normalizedShape, layer);
  checkAffine(opts.weight, normalizedShape, layer, 'weight');
  checkAffine(opts.bias, normalizedShape, layer, 'bias');
  const eps = opts.eps ?? 1e-5;
  const weight = opts.weight ?? null;
  const bias = opts.bias ?? null;
  const outer = x.size / Math.max(inner, 1);
  return tidy(() => {
    const kernel = fusedKernel(x.backend, 'layerNorm');
    if (kernel && x.size > 0) {
      const x2 = x.reshape([outer, inner]);
      const w1 = weight ? weight.reshape([inner]) : null;
      const b1 = bias ? bias.reshape([inner]) : null;
      const src = contiguous(detach(x2));
      const wv = w1 ? contiguous(detach(w1)) : null;
      const bv = b1 ? contiguous(detach(b1)) : null;
      const y = empty([outer, inner], x.dtype, x.backend);
      const mean = empty([outer], 'float32', x.backend);
      const rstd = empty([outer], 'float32', x.backend);
      kernel(src._view(), wv?._view() ?? null, bv?._view() ?? null, y._view(), mean._view(), rstd._view(), {
        outer,
        inner,
        eps,
      });
      // x2 and w1 themselves (not the detached copies the kernel read): with createGraph the
      // formula must differentiate through them, and through mean and rstd recomputed from x.
      const save = w1 ? [x2, mean, rstd, w1] : [x2, mean, rstd];
      const out = attach(y, 'layerNorm', [x2, w1, b1], save, (g, [sx, sm0, sr0, sw]) => {
        const [sm, sr] = isGradEnabled() ? rowStats(sx, eps) : [sm0, sr0];
        const xhat = sx.sub(sm.unsqueeze(1)).mul(sr.unsqueeze(1));
        const gw = sw ? g.mul(sw) : g;
        const mg = gw.mean(1, { keepdim: true });
        const mgx = gw.mul(xhat).mean(1, { keepdim: true });
        // Every element of a row uses both row sums (PyTorch's backward forms one coefficient
        // from them): a non-finite sum makes the whole row NaN there, not just some elements.
        const poison = mg.mul(mgx).mul(0);
        const dx = gw.sub(mg).sub(xhat.mul(mgx)).mul(sr.unsqueeze(1)).add(poison);
        return [dx, sw ? g.mul(xhat).sum(0) : null, b1 ? g.sum(0) : null];
      });
      return out.reshape(x.shape);
    }
    const dims = normalizedShape.map((_, i) => x.ndim - normalizedShape.length + i);
    const composed = (xx: Tensor, w: Tensor | null, b: Tensor | null): Tensor => {
      const mean = xx.mean(dims, { keepdim: true });
      const diff = xx.sub(mean);
      let y = diff.mul(diff.square().mean(dims, { keepdim: true }).add(eps).rsqrt());
      if (w) y = y.mul(w);
      if (b) y = y.add(b);
      return y;
    };
    // 16-bit inputs compose in float32 and round once (compose-f32.ts).
    return composeInFloat32(x, (w) => composed(w(x), w(weight), w(bias))) ?? composed(x, weight, bias);
  });
}

/** Options of {@link rmsNorm}. */
export interface RMSNormOptions {
  /** Elementwise scale of normalizedShape (default none). */
  weight?: Tensor | null;
  /** Default (null): float32's machine epsilon, as PyTorch's eps=None. */
  eps?: number | null;
}

const FLOAT32_EPS = 1.1920928955078125e-7;

/** x / sqrt(mean(x^2 over normalizedShape) + eps) * weight. */
export function rmsNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  opts: RMSNormOptions = {},
  layer = 'rmsNorm',
): Tensor {
  requireFloat(x, layer);
  if (wantsF32(x, opts.weight)) {
    return tidy(() => rmsNorm(castF32(x), normalizedShape, { ...opts, weight: castF32(opts.weight) }, layer));
  }
  checkNormOptions(layer, opts, ['weight', 'eps']);
  checkNormalizedShape(x, normalizedShape, layer);
  checkAffine(opts.weight, normalizedShape, layer, 'weight');
  const eps = opts.eps ?? FLOAT32_EPS;
  return tidy(() => {
    const dims = normalizedShape.map((_, i) => x.ndim - normalizedShape.length + i);
    const y = x.mul(x.square().mean(dims, { keepdim: true }).add(eps).rsqrt());
    return opts.weight ? y.mul(opts.weight) : y;
  });
}

/** Options of {@link groupNorm}. */
export interface GroupNormOptions {
  /** Per-channel scale `[C]` (default none). */
  weight?: Tensor | null;
  /** Per-channel shift `[C]` (default none). */
  bias?: Tensor | null;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/** Normalise x [N, C, *] over groups of C / numGroups channels (and all spatial dims). */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  opts: GroupNormOptions = {},
  layer = 'groupNorm',
): Tensor {
  requireFloat(x, layer);
  if (wantsF32(x, opts.weight, opts.bias)) {
    return tidy(() =>
      groupNorm(
        castF32(x),
        numGroups,
        { ...opts, weight: castF32(opts.weight), bias: castF32(opts.bias) },
        layer,
      ),
    );
  }
  checkNormOptions(layer, opts, ['weight', 'bias', 'eps']);
  if (x.ndim < 2) {
    throw new RangeError(
      `${layer} expected an input of shape [N, C, *] with at least 2 dimensions, got ${fmtShape(x.shape)}`,
    );
  }
  const [n, c] = x.shape;
  if (c % numGroups !== 0) {
    throw new RangeError(
      `${layer}: expected the number of channels (${c}) to be divisible by numGroups (${numGroups}), input shape ${fmtShape(x.shape)}`,
    );
  }
  for (const [name, t] of [
    ['weight', opts.weight],
    ['bias', opts.bias],
  ] as const) {
    if (t && t.size !== c)
      throw new RangeError(`${layer}: expected ${name} with ${c} elements, got shape ${fmtShape(t.shape)}`);
  }
  const eps = opts.eps ?? 1e-5;
  return tidy(() => {
    const g = x.reshape([n, numGroups, x.size / Math.max(n * numGroups, 1)]);
    const mean = g.mean(2, { keepdim: true });
    const diff = g.sub(mean);
    let y = diff.mul(diff.square().mean(2, { keepdim: true }).add(eps).rsqrt()).reshape(x.shape);
    if (opts.weight) y = y.mul(perChannel(opts.weight, x.ndim));
    if (opts.bias) y = y.add(perChannel(opts.bias, x.ndim));
    return y;
  });
}
