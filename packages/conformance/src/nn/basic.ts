/**
 * Fixture ops of family nn-basic (tooling/fixtures/nn_basic.py): activations, Linear,
 * Bilinear, Flatten, Dropout (eval), Embedding, oneHot, BatchNorm, RMSNorm, GroupNorm.
 * Layers with attributes go through their module (which calls F), the rest through F;
 * modules with parameters go through nn.functionalCall with PyTorch's parameter names.
 */
import * as L from '@layers/core';
import type { Arg, OpFn } from '../ops.js';
import type { OpTolerance, Tolerance } from '../tolerances.js';
import { inDTypeOf } from './dtype.js';

const T = (a: Arg): L.Tensor => a as L.Tensor;
const opt = (a: Arg): L.Tensor | null => (a === null ? null : (a as L.Tensor));
const F = L.F;
const nn = L.nn;

/** Run a parameter-free module on the case's first input. */
const mod =
  (make: (at: Record<string, any>) => L.nn.Module): OpFn =>
  (a, at) =>
    make(at).forward(T(a[0])) as L.Tensor;

export const BASIC_OPS: Record<string, OpFn> = {
  relu6: ([x]) => F.relu6(T(x)),
  hardtanh: mod((at) => new nn.Hardtanh({ minVal: at.minVal, maxVal: at.maxVal })),
  leakyRelu: mod((at) => new nn.LeakyReLU({ negativeSlope: at.negativeSlope })),
  elu: mod((at) => new nn.ELU({ alpha: at.alpha })),
  celu: mod((at) => new nn.CELU({ alpha: at.alpha })),
  selu: ([x]) => F.selu(T(x)),
  gelu: mod((at) => new nn.GELU({ approximate: at.approximate })),
  silu: ([x]) => F.silu(T(x)),
  mish: mod(() => new nn.Mish()),
  sigmoidF: mod(() => new nn.Sigmoid()),
  tanhF: mod(() => new nn.Tanh()),
  hardsigmoid: ([x]) => F.hardsigmoid(T(x)),
  hardswish: mod(() => new nn.Hardswish()),
  softplus: mod((at) => new nn.Softplus({ beta: at.beta, threshold: at.threshold })),
  softsign: mod(() => new nn.Softsign()),
  tanhshrink: mod(() => new nn.Tanhshrink()),
  threshold: mod((at) => new nn.Threshold(at.threshold, at.value)),
  logSigmoid: mod(() => new nn.LogSigmoid()),
  hardshrink: mod((at) => new nn.Hardshrink({ lambd: at.lambd })),
  softshrink: ([x], at) => F.softshrink(T(x), at.lambd),
  softmin: mod((at) => new nn.Softmin({ dim: at.dim })),
  softmaxModule: mod((at) => new nn.Softmax({ dim: at.dim })),
  logSoftmaxModule: mod((at) => new nn.LogSoftmax({ dim: at.dim })),
  prelu: ([x, w]) => F.prelu(T(x), T(w)),

  linear: ([x, w, b]) => F.linear(T(x), T(w), opt(b)),
  bilinear: ([x1, x2, w, b]) => F.bilinear(T(x1), T(x2), T(w), opt(b)),
  linearModule: ([x, w, b], at) =>
    nn.functionalCall<L.Tensor>(
      new nn.Linear(at.inFeatures, at.outFeatures),
      { weight: T(w), bias: T(b) },
      T(x),
    ),
  flatten: mod((at) => new nn.Flatten({ startDim: at.startDim, endDim: at.endDim })),
  unflatten: mod((at) => new nn.Unflatten(at.dim, at.sizes)),
  dropoutEval: mod((at) => {
    const m = at.kind === '2d' ? new nn.Dropout2d({ p: at.p }) : new nn.Dropout({ p: at.p });
    return m.eval();
  }),

  embedding: ([i, w], at) =>
    F.embedding(T(i), T(w), { paddingIdx: at.paddingIdx, scaleGradByFreq: at.scaleGradByFreq }),
  // Outputs: the looked-up rows, then the table after maxNorm's in-place renormalisation.
  embeddingMaxNorm: ([i, w], at) => {
    const table = T(w).clone();
    const out = F.embedding(T(i), table, { maxNorm: at.maxNorm, normType: at.normType });
    return [out, table];
  },
  oneHot: ([i], at) => {
    if (at.numClasses === undefined && !L.getBackend().readSync) {
      // The class count depends on the data: an asynchronous device cannot infer it without a
      // readback, so F.oneHot must ask for it clearly; then the values are checked with it.
      let message = '';
      try {
        F.oneHot(T(i));
      } catch (e) {
        message = String(e);
      }
      if (!/numClasses/.test(message))
        throw new Error(`oneHot without numClasses should ask for it, got "${message}"`);
      return F.oneHot(T(i), at.inferredClasses);
    }
    return F.oneHot(T(i), at.numClasses);
  },

  // Outputs: y, then running_mean and running_var after the update (copies of the inputs).
  batchNormTrain: ([x, rm, rv, w, b], at) => {
    const mean = T(rm).clone();
    const variance = T(rv).clone();
    const y = F.batchNorm(T(x), mean, variance, {
      weight: opt(w),
      bias: opt(b),
      training: true,
      momentum: at.momentum,
      eps: at.eps,
    });
    return [y, mean, variance];
  },
  batchNormEval: ([x, rm, rv, w, b], at) =>
    F.batchNorm(T(x), T(rm), T(rv), { weight: opt(w), bias: opt(b), training: false, eps: at.eps }),
  // Two training forwards, one eval forward; then the module's buffers.
  batchNormModule: ([x1, x2, w, b], at) => {
    const Cls = at.d === 1 ? nn.BatchNorm1d : nn.BatchNorm2d;
    const m = inDTypeOf(new Cls(3, { momentum: at.momentum }), T(x1));
    const p = { weight: T(w), bias: T(b) };
    const y1 = nn.functionalCall<L.Tensor>(m, p, T(x1));
    const y2 = nn.functionalCall<L.Tensor>(m, p, T(x2));
    m.eval();
    const y3 = nn.functionalCall<L.Tensor>(m, p, T(x1));
    return [y1, y2, y3, m.running_mean!.clone(), m.running_var!.clone(), m.num_batches_tracked!.clone()];
  },
  rmsNorm: ([x, w], at) => F.rmsNorm(T(x), at.normalizedShape, { weight: opt(w), eps: at.eps }),
  groupNorm: ([x, w, b], at) =>
    F.groupNorm(T(x), at.numGroups, { weight: opt(w), bias: opt(b), eps: at.eps }),
};

const EPS = 1.1920928955078125e-7;
const EXACT: Tolerance = { atol: 0, rtol: 0 };
const ROUNDED: Tolerance = { atol: 0, rtol: EPS };
// A few chained float32 transcendental operations (exp, log1p, tanh, erf...).
const CHAIN: Tolerance = { atol: 1e-7, rtol: 8 * EPS };
const GRAD_CHAIN: Tolerance = { atol: 1e-6, rtol: 16 * EPS };
// Sums over the accumulation length (dot products, normalisation statistics).
const ACCUM: Tolerance = { atol: 0, rtol: 2 * EPS, perK: true };
const NORM: Tolerance = { atol: 1e-6, rtol: 8 * EPS, perK: true };
const NORM_GRAD: Tolerance = { atol: 1e-6, rtol: 16 * EPS, perK: true };
const t = (float32: Tolerance, grad: Tolerance): OpTolerance => ({ float32, grad });

export const BASIC_TOLERANCES: Record<string, OpTolerance> = {
  relu6: t(EXACT, EXACT),
  hardtanh: t(EXACT, EXACT),
  threshold: t(EXACT, EXACT),
  hardshrink: t(EXACT, EXACT),
  flatten: t(EXACT, EXACT),
  unflatten: t(EXACT, EXACT),
  dropoutEval: t(EXACT, EXACT),
  oneHot: t(EXACT, EXACT),
  leakyRelu: t(ROUNDED, ROUNDED),
  prelu: t(ROUNDED, ACCUM),
  softshrink: t(ROUNDED, EXACT),
  hardsigmoid: t(ROUNDED, ROUNDED),
  hardswish: t({ atol: 0, rtol: 4 * EPS }, { atol: 0, rtol: 4 * EPS }),
  elu: t(CHAIN, GRAD_CHAIN),
  celu: t(CHAIN, GRAD_CHAIN),
  selu: t(CHAIN, GRAD_CHAIN),
  gelu: t({ atol: 1e-6, rtol: 8 * EPS }, GRAD_CHAIN),
  silu: t(CHAIN, GRAD_CHAIN),
  mish: t(CHAIN, GRAD_CHAIN),
  sigmoidF: t(CHAIN, GRAD_CHAIN),
  tanhF: t(CHAIN, GRAD_CHAIN),
  softplus: t(CHAIN, GRAD_CHAIN),
  softsign: t(CHAIN, GRAD_CHAIN),
  tanhshrink: t(CHAIN, GRAD_CHAIN),
  logSigmoid: t(CHAIN, GRAD_CHAIN),
  softmin: t({ atol: 1e-7, rtol: 2 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  softmaxModule: t({ atol: 1e-7, rtol: 2 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  logSoftmaxModule: t({ atol: 1e-7, rtol: 2 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  linear: t(ACCUM, ACCUM),
  linearModule: t(ACCUM, ACCUM),
  bilinear: t({ atol: 0, rtol: 4 * EPS, perK: true }, { atol: 0, rtol: 4 * EPS, perK: true }),
  embedding: t(EXACT, { atol: 0, rtol: 2 * EPS, perK: true }),
  embeddingMaxNorm: t(CHAIN, CHAIN),
  batchNormTrain: t(NORM, NORM_GRAD),
  batchNormEval: t({ atol: 1e-7, rtol: 4 * EPS }, { atol: 1e-7, rtol: 4 * EPS, perK: true }),
  batchNormModule: t(NORM, NORM_GRAD),
  rmsNorm: t(NORM, NORM_GRAD),
  groupNorm: t(NORM, NORM_GRAD),
};
