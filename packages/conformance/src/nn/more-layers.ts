/**
 * Fixture ops of family nn-more-layers (tooling/fixtures/nn_more_layers.py): InstanceNorm
 * (through the modules: training forwards, eval, then the running statistics),
 * LocalResponseNorm, the pixel and channel shuffles, GLU and Softmax2d.
 */
import * as L from '@layers/core';
import type { Arg, OpFn } from '../ops.js';
import type { OpTolerance, Tolerance } from '../tolerances.js';
import { inDTypeOf } from './dtype.js';

const T = (a: Arg): L.Tensor => a as L.Tensor;
const opt = (a: Arg): L.Tensor | null => (a === null ? null : (a as L.Tensor));
const F = L.F;
const nn = L.nn;

export const MORE_LAYER_OPS: Record<string, OpFn> = {
  instanceNormModule: ([x1, x2, w, b], at) => {
    const Cls = [nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d][at.d - 1];
    const unbatched = T(x1).ndim === at.d + 1;
    const m = inDTypeOf(
      new Cls(T(x1).shape[unbatched ? 0 : 1], {
        eps: at.eps,
        momentum: at.momentum,
        affine: at.affine,
        trackRunningStats: at.trackRunningStats,
      }),
      T(x1),
    );
    const p: Record<string, L.Tensor> = at.affine ? { weight: T(w), bias: T(b) } : {};
    const y1 = nn.functionalCall<L.Tensor>(m, p, T(x1));
    const y2 = nn.functionalCall<L.Tensor>(m, p, T(x2));
    m.eval();
    const y3 = nn.functionalCall<L.Tensor>(m, p, T(x1));
    const out = [y1, y2, y3];
    if (at.trackRunningStats) out.push(m.running_mean!.clone(), m.running_var!.clone());
    return out;
  },
  instanceNorm: ([x, w, b], at) => F.instanceNorm(T(x), { weight: opt(w), bias: opt(b), eps: at.eps }),
  localResponseNorm: ([x], at) =>
    new nn.LocalResponseNorm(at.size, { alpha: at.alpha, beta: at.beta, k: at.k }).forward(T(x)) as L.Tensor,
  pixelShuffle: ([x], at) => new nn.PixelShuffle(at.factor).forward(T(x)) as L.Tensor,
  pixelUnshuffle: ([x], at) => F.pixelUnshuffle(T(x), at.factor),
  channelShuffle: ([x], at) => new nn.ChannelShuffle(at.groups).forward(T(x)) as L.Tensor,
  glu: ([x], at) => new nn.GLU({ dim: at.dim }).forward(T(x)) as L.Tensor,
  unfold: ([x], at) =>
    new nn.Unfold(at.kernelSize, { dilation: at.dilation, padding: at.padding, stride: at.stride }).forward(
      T(x),
    ) as L.Tensor,
  fold: ([x], at) =>
    F.fold(T(x), at.outputSize, at.kernelSize, {
      dilation: at.dilation,
      padding: at.padding,
      stride: at.stride,
    }),
  lpPool1d: ([x], at) =>
    new nn.LPPool1d(at.normType, at.kernelSize, { stride: at.stride, ceilMode: at.ceilMode }).forward(
      T(x),
    ) as L.Tensor,
  lpPool2d: ([x], at) =>
    F.lpPool2d(T(x), at.normType, at.kernelSize, { stride: at.stride, ceilMode: at.ceilMode }),
  maxUnpool1d: ([x, i], at) =>
    F.maxUnpool1d(T(x), T(i), at.kernelSize, {
      stride: at.stride,
      padding: at.padding,
      outputSize: at.outputSize,
    }),
  maxUnpool2d: ([x, i], at) =>
    new nn.MaxUnpool2d(at.kernelSize, { stride: at.stride, padding: at.padding }).forward(T(x), T(i), {
      outputSize: at.outputSize,
    }) as L.Tensor,
  maxUnpool3d: ([x, i], at) =>
    new nn.MaxUnpool3d(at.kernelSize, { stride: at.stride }).forward(T(x), T(i)) as L.Tensor,
  // Through the module (weight via functionalCall), perSampleWeights and offsets as forward inputs.
  embeddingBag: ([x, w, o, p], at) => {
    const m = new nn.EmbeddingBag(T(w).shape[0], T(w).shape[1], {
      mode: at.mode,
      includeLastOffset: at.includeLastOffset,
      paddingIdx: at.paddingIdx,
      scaleGradByFreq: at.scaleGradByFreq,
    });
    return nn.functionalCall<L.Tensor>(m, { weight: T(w) }, T(x), opt(o), opt(p));
  },
  embeddingBagMaxNorm: ([x, w, o, p], at) => {
    const table = T(w).clone();
    const out = F.embeddingBag(T(x), table, {
      offsets: opt(o),
      perSampleWeights: opt(p),
      mode: at.mode,
      maxNorm: at.maxNorm,
      normType: at.normType,
    });
    return [out, table];
  },
  softmax2d: ([x]) => new nn.Softmax2d().forward(T(x)) as L.Tensor,
};

const EPS = 1.1920928955078125e-7;
const EXACT: Tolerance = { atol: 0, rtol: 0 };
// Statistics over the spatial elements (the accumulation length), then a few roundings.
const NORM: Tolerance = { atol: 1e-6, rtol: 8 * EPS, perK: true };
const NORM_GRAD: Tolerance = { atol: 1e-6, rtol: 16 * EPS, perK: true };
const t = (float32: Tolerance, grad: Tolerance): OpTolerance => ({ float32, grad });

export const MORE_LAYER_TOLERANCES: Record<string, OpTolerance> = {
  instanceNormModule: t(NORM, NORM_GRAD),
  instanceNorm: t(NORM, NORM_GRAD),
  // a window sum of `size` squares, then pow: a few ulps per step
  localResponseNorm: t({ atol: 1e-7, rtol: 8 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  pixelShuffle: t(EXACT, EXACT),
  // the renormalised rows (a norm, a division), then the bag reduction
  embeddingBagMaxNorm: t(
    { atol: 1e-7, rtol: 8 * EPS, perK: true },
    { atol: 1e-7, rtol: 8 * EPS, perK: true },
  ),
  // a bag sum (matmul over the bag's indices), a division for mean; max is exact
  embeddingBag: t({ atol: 0, rtol: 2 * EPS, perK: true }, { atol: 0, rtol: 2 * EPS, perK: true }),
  // pow, a window mean (the accumulation length), then pow(1/p)
  lpPool1d: t({ atol: 1e-7, rtol: 8 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  lpPool2d: t({ atol: 1e-7, rtol: 8 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  // values moved (a position named by k overlapping windows is k equal values summed, then / k)
  maxUnpool1d: t({ atol: 0, rtol: EPS }, EXACT),
  maxUnpool2d: t({ atol: 0, rtol: EPS }, EXACT),
  maxUnpool3d: t({ atol: 0, rtol: EPS }, EXACT),
  // unfold copies (its gradient sums overlapping windows); fold sums overlapping windows
  unfold: t(EXACT, { atol: 0, rtol: EPS, perK: true }),
  fold: t({ atol: 0, rtol: EPS, perK: true }, EXACT),
  pixelUnshuffle: t(EXACT, EXACT),
  channelShuffle: t(EXACT, EXACT),
  glu: t({ atol: 1e-7, rtol: 4 * EPS }, { atol: 1e-7, rtol: 8 * EPS }),
  softmax2d: t({ atol: 1e-7, rtol: 2 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
};
