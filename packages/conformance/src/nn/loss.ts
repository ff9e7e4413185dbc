/**
 * Fixture ops of family nn-loss (tooling/fixtures/nn_loss.py): every loss through its F
 * form. Optional tensors (weight, posWeight) arrive as null when the case has none.
 */
import * as L from '@layers/core';
import type { Arg, OpFn } from '../ops.js';

const T = (a: Arg): L.Tensor => a as L.Tensor;
const opt = (a: Arg): L.Tensor | null => (a === null ? null : (a as L.Tensor));

export const LOSS_OPS: Record<string, OpFn> = {
  mseLoss: ([x, y], at) => L.F.mseLoss(T(x), T(y), { reduction: at.reduction }),
  l1Loss: ([x, y], at) => L.F.l1Loss(T(x), T(y), { reduction: at.reduction }),
  smoothL1Loss: ([x, y], at) => L.F.smoothL1Loss(T(x), T(y), { reduction: at.reduction, beta: at.beta }),
  huberLoss: ([x, y], at) => L.F.huberLoss(T(x), T(y), { reduction: at.reduction, delta: at.delta }),
  nllLoss: ([x, t, w], at) =>
    L.F.nllLoss(T(x), T(t), { weight: opt(w), reduction: at.reduction, ignoreIndex: at.ignoreIndex }),
  crossEntropy: ([x, t, w], at) =>
    L.F.crossEntropy(T(x), T(t), {
      weight: opt(w),
      reduction: at.reduction,
      ignoreIndex: at.ignoreIndex,
      labelSmoothing: at.labelSmoothing,
    }),
  binaryCrossEntropy: ([x, y, w], at) =>
    L.F.binaryCrossEntropy(T(x), T(y), { weight: opt(w), reduction: at.reduction }),
  binaryCrossEntropyWithLogits: ([x, y, w, pw], at) =>
    L.F.binaryCrossEntropyWithLogits(T(x), T(y), {
      weight: opt(w),
      posWeight: opt(pw),
      reduction: at.reduction,
    }),
  klDiv: ([x, t], at) => L.F.klDiv(T(x), T(t), { reduction: at.reduction, logTarget: at.logTarget }),
  cosineEmbeddingLoss: ([a, b, t], at) =>
    L.F.cosineEmbeddingLoss(T(a), T(b), T(t), { reduction: at.reduction, margin: at.margin }),
};
