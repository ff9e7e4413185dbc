/**
 * F's half of the validation behaviour: every function exported from F checks that its
 * tensor argument is a tensor and rejects unknown option names, naming itself (or the layer
 * whose name its errors carry, as PyTorch's F.mse_loss speaks of MSELoss-style arguments).
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext } from './context.js';

const F = L.F;
const f = (...shape: number[]) => L.randn(shape);

/**
 * F exports that are not tensor-first functions of their own: validation helpers, and pad,
 * which is core's ops-level pad re-exported.
 */
const NOT_TENSOR_FIRST = new Set(['requireFloat', 'resolvePaddingIdx', 'pad']);

/** Functions whose errors carry their layer's name (shared with the module) instead of their own. */
const LAYER_NAME: Record<string, string> = {
  linear: 'Linear',
  bilinear: 'Bilinear',
  embedding: 'Embedding',
  dropout: 'Dropout',
  alphaDropout: 'AlphaDropout',
  mseLoss: 'MSELoss',
  l1Loss: 'L1Loss',
  smoothL1Loss: 'SmoothL1Loss',
  huberLoss: 'HuberLoss',
  nllLoss: 'NLLLoss',
  crossEntropy: 'CrossEntropyLoss',
  crossEntropyLoss: 'CrossEntropyLoss',
  binaryCrossEntropy: 'BCELoss',
  binaryCrossEntropyWithLogits: 'BCEWithLogitsLoss',
  klDiv: 'KLDivLoss',
  cosineEmbeddingLoss: 'CosineEmbeddingLoss',
  marginRankingLoss: 'MarginRankingLoss',
  hingeEmbeddingLoss: 'HingeEmbeddingLoss',
  softMarginLoss: 'SoftMarginLoss',
  multilabelSoftMarginLoss: 'MultiLabelSoftMarginLoss',
  multilabelMarginLoss: 'MultiLabelMarginLoss',
  multiMarginLoss: 'MultiMarginLoss',
  tripletMarginLoss: 'TripletMarginLoss',
  poissonNllLoss: 'PoissonNLLLoss',
  gaussianNllLoss: 'GaussianNLLLoss',
  ctcLoss: 'CTCLoss',
  rnn: 'RNN',
  lstm: 'LSTM',
  gru: 'GRU',
  rnnTanhCell: 'RNNCell',
  rnnReluCell: 'RNNCell',
  lstmCell: 'LSTMCell',
  gruCell: 'GRUCell',
  multiHeadAttentionForward: 'MultiheadAttention',
};

/** Unknown option names given to F functions that take an options object. */
const UNKNOWN_OPTIONS: [string, () => unknown, ...string[]][] = [
  [
    'relu',
    () => F.relu(f(2), { inPlace: true } as never),
    "relu: unknown option 'inPlace'",
    "did you mean 'inplace'",
  ],
  ['gelu', () => F.gelu(f(2), { approx: 'tanh' } as never), "gelu: unknown option 'approx'", "'approximate'"],
  [
    'mseLoss',
    () => F.mseLoss(f(2), f(2), { reduce: 'sum' } as never),
    "MSELoss: unknown option 'reduce'",
    'reduction',
  ],
  [
    'crossEntropy',
    () => F.crossEntropy(f(2, 3), L.zeros([2], { dtype: 'int32' }), { ignoreIdx: 1 } as never),
    "'ignoreIdx'",
    "'ignoreIndex'",
  ],
  [
    'binaryCrossEntropy',
    () => F.binaryCrossEntropy(L.rand([2]), L.rand([2]), { weights: null } as never),
    "BCELoss: unknown option 'weights'",
    "'weight'",
  ],
  [
    'conv2d',
    () => F.conv2d(f(1, 1, 3, 3), f(1, 1, 2, 2), null, { strides: 1 } as never),
    "conv2d: unknown option 'strides'",
    "'stride'",
  ],
  [
    'maxPool2d',
    () => F.maxPool2d(f(1, 1, 4, 4), 2, { ceil: true } as never),
    "maxPool2d: unknown option 'ceil'",
    "'ceilMode'",
  ],
  [
    'avgPool1d',
    () => F.avgPool1d(f(1, 1, 4), 2, { countIncludePadding: true } as never),
    "avgPool1d: unknown option 'countIncludePadding'",
  ],
  [
    'interpolate',
    () => F.interpolate(f(1, 1, 2, 2), { scale: 2 } as never),
    "interpolate: unknown option 'scale'",
    "'scaleFactor'",
  ],
  [
    'layerNorm',
    () => F.layerNorm(f(2, 3), [3], { epsilon: 1e-5 } as never),
    "layerNorm: unknown option 'epsilon'",
    "'eps'",
  ],
  [
    'tripletMarginLoss',
    () => F.tripletMarginLoss(f(2, 3), f(2, 3), f(2, 3), { swapped: true } as never),
    "TripletMarginLoss: unknown option 'swapped'",
    "'swap'",
  ],
  [
    'poissonNllLoss',
    () => F.poissonNllLoss(f(2), f(2), { logInputs: false } as never),
    "PoissonNLLLoss: unknown option 'logInputs'",
    "'logInput'",
  ],
  [
    'pairwiseDistance',
    () => F.pairwiseDistance(f(2, 3), f(2, 3), { keepDim: true } as never),
    "pairwiseDistance: unknown option 'keepDim'",
    "'keepdim'",
  ],
  ['normalize', () => F.normalize(f(2, 3), { axis: 1 } as never), "normalize: unknown option 'axis'"],
  [
    'embedding',
    () => F.embedding(L.zeros([2], { dtype: 'int32' }), f(3, 2), { padIdx: 0 } as never),
    "Embedding: unknown option 'padIdx'",
    "'paddingIdx'",
  ],
  [
    'scaledDotProductAttention',
    () => F.scaledDotProductAttention(f(2, 4), f(2, 4), f(2, 4), { mask: null } as never),
    "scaledDotProductAttention: unknown option 'mask'",
    "'attnMask'",
  ],
];

export function functionalValidationBehaviour(ctx: SuiteContext): void {
  describe('validation (F)', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'validation', title, fn);

    c('every F function names itself when its tensor argument is not a tensor', () => {
      const fns = Object.entries(F).filter(([k, v]) => typeof v === 'function' && !NOT_TENSOR_FIRST.has(k));
      expect(fns.length).toBeGreaterThan(70);
      for (const [k, fn] of fns) {
        const who = LAYER_NAME[k] ?? k;
        for (const [bad, shown] of [
          [[1, 2, 3], 'a JavaScript array of length 3'],
          [undefined, 'undefined'],
        ] as const) {
          try {
            expectThrows(
              () => (fn as (x: unknown) => unknown)(bad),
              new RegExp(`^${who}: expected \\w+ to be a Tensor, got ${shown}`),
            );
          } catch (err) {
            throw new Error(`F.${k}: ${(err as Error).message}`);
          }
        }
      }
    });

    c('F functions reject unknown option names, listing the valid ones', () => {
      for (const [name, run, ...fragments] of UNKNOWN_OPTIONS) {
        try {
          expectThrows(run, ...fragments, 'valid options:');
        } catch (err) {
          throw new Error(`F.${name}: ${(err as Error).message}`);
        }
      }
    });

    c('F.relu6 and F.softmin report errors in their own names, not hardtanh or softmax', () => {
      expectThrows(
        () => F.relu6(L.zeros([2], { dtype: 'int32' })),
        'relu6 expected a float input, got int32',
      );
      expectThrows(() => F.softmin(f(2, 3), 3), 'softmin: dimension out of range', 'but got 3');
    });
  });
}
