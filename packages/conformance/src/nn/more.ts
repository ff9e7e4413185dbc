/**
 * Fixture ops of family nn-more (tooling/fixtures/nn_more.py): the margin, ranking and
 * likelihood losses, distances, and the padding layers (through their modules).
 */
import * as L from '@layers/core';
import { decodeNumber, type EncodedNumber } from '../fixtures.js';
import type { Arg, OpFn } from '../ops.js';
import type { OpTolerance, Tolerance } from '../tolerances.js';

const T = (a: Arg): L.Tensor => a as L.Tensor;
const opt = (a: Arg): L.Tensor | null => (a === null ? null : (a as L.Tensor));
const num = (v: EncodedNumber | undefined): number | undefined =>
  v === undefined ? undefined : decodeNumber(v);
const F = L.F;
const nn = L.nn;

type PadClass = new (padding: number | number[], value: number) => L.nn.Module;
const PADS: Record<string, PadClass[]> = {
  constant: [nn.ConstantPad1d, nn.ConstantPad2d, nn.ConstantPad3d],
  reflection: [nn.ReflectionPad1d, nn.ReflectionPad2d, nn.ReflectionPad3d],
  replication: [nn.ReplicationPad1d, nn.ReplicationPad2d, nn.ReplicationPad3d],
  circular: [nn.CircularPad1d, nn.CircularPad2d, nn.CircularPad3d],
};
const ZERO_PADS: PadClass[] = [nn.ZeroPad1d, nn.ZeroPad2d, nn.ZeroPad3d];

export const MORE_OPS: Record<string, OpFn> = {
  marginRankingLoss: ([a, b, y], at) =>
    F.marginRankingLoss(T(a), T(b), T(y), { margin: at.margin, reduction: at.reduction }),
  hingeEmbeddingLoss: ([x, y], at) =>
    new nn.HingeEmbeddingLoss({ margin: at.margin, reduction: at.reduction }).forward(T(x), T(y)) as L.Tensor,
  softMarginLoss: ([x, y], at) => F.softMarginLoss(T(x), T(y), { reduction: at.reduction }),
  multilabelSoftMarginLoss: ([x, y, w], at) =>
    F.multilabelSoftMarginLoss(T(x), T(y), { weight: opt(w), reduction: at.reduction }),
  multilabelMarginLoss: ([x, t], at) =>
    new nn.MultiLabelMarginLoss({ reduction: at.reduction }).forward(T(x), T(t)) as L.Tensor,
  multiMarginLoss: ([x, t, w], at) =>
    new nn.MultiMarginLoss({ p: at.p, margin: at.margin, weight: opt(w), reduction: at.reduction }).forward(
      T(x),
      T(t),
    ) as L.Tensor,
  tripletMarginLoss: ([a, p, n], at) =>
    new nn.TripletMarginLoss({
      margin: at.margin,
      p: num(at.p),
      eps: at.eps,
      swap: at.swap,
      reduction: at.reduction,
    }).forward(T(a), T(p), T(n)) as L.Tensor,
  poissonNllLoss: ([x, y], at) =>
    new nn.PoissonNLLLoss({
      logInput: at.logInput,
      full: at.full,
      eps: at.eps,
      reduction: at.reduction,
    }).forward(T(x), T(y)) as L.Tensor,
  gaussianNllLoss: ([x, y, v], at) =>
    F.gaussianNllLoss(T(x), T(y), T(v), { full: at.full, eps: at.eps, reduction: at.reduction }),
  pairwiseDistance: ([a, b], at) =>
    new nn.PairwiseDistance({ p: num(at.p), eps: at.eps, keepdim: at.keepdim }).forward(
      T(a),
      T(b),
    ) as L.Tensor,
  cosineSimilarity: ([a, b], at) => F.cosineSimilarity(T(a), T(b), { dim: at.dim, eps: at.eps }),
  // Logits in: log_softmax on both sides (PyTorch's ctc backward assumes log_softmax outputs).
  ctcLoss: ([x, t], at) =>
    new nn.CTCLoss({ blank: at.blank, reduction: at.reduction, zeroInfinity: at.zeroInfinity }).forward(
      F.logSoftmax(T(x), 2),
      T(t),
      at.inputLengths,
      at.targetLengths,
    ) as L.Tensor,
  padModule: ([x], at) => {
    const d = at.d as number;
    const m =
      at.kind === 'constant' && at.value === 0
        ? new ZERO_PADS[d - 1](at.padding, 0)
        : new PADS[at.kind][d - 1](at.padding, at.value);
    return m.forward(T(x)) as L.Tensor;
  },
};

const EPS = 1.1920928955078125e-7;
const EXACT: Tolerance = { atol: 0, rtol: 0 };
// A few roundings (and a transcendental or two) per element, then a sum or mean over the batch.
const LOSS: Tolerance = { atol: 1e-7, rtol: 4 * EPS, perK: true };
const LOSS_GRAD: Tolerance = { atol: 1e-7, rtol: 8 * EPS, perK: true };
// Norms: a sum of powers then a root (pow's few ulps, chained).
const NORM: Tolerance = { atol: 1e-7, rtol: 8 * EPS, perK: true };
const NORM_GRAD: Tolerance = { atol: 1e-6, rtol: 16 * EPS, perK: true };
const t = (float32: Tolerance, grad: Tolerance): OpTolerance => ({ float32, grad });

export const MORE_TOLERANCES: Record<string, OpTolerance> = {
  marginRankingLoss: t(LOSS, LOSS_GRAD),
  hingeEmbeddingLoss: t(LOSS, LOSS_GRAD),
  softMarginLoss: t(LOSS, LOSS_GRAD),
  multilabelSoftMarginLoss: t(LOSS, LOSS_GRAD),
  multilabelMarginLoss: t(LOSS, LOSS_GRAD),
  multiMarginLoss: t(LOSS, LOSS_GRAD),
  poissonNllLoss: t(LOSS, LOSS_GRAD),
  gaussianNllLoss: t(LOSS, LOSS_GRAD),
  tripletMarginLoss: t(NORM, NORM_GRAD),
  // T steps of a three-term log-add-exp over the extended targets (T * S terms, the accumulation length)
  ctcLoss: t({ atol: 1e-6, rtol: 8 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  pairwiseDistance: t(NORM, NORM_GRAD),
  cosineSimilarity: t(NORM, NORM_GRAD),
  // Padding moves values (and sums gradients of reflected / wrapped copies: at most a few terms).
  padModule: t(EXACT, { atol: 0, rtol: EPS, perK: true }),
};
