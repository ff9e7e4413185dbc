/** Export cases: normalisation, recurrent, attention, Transformer and loss modules. */
import { fromTypedArray, nn, rand, randint, randn } from '@layers/core';
import { batch0, type Case, causalBool, conv, padding, randomized, x } from './export-cases.js';
import type { MakeArgs } from './export-helpers.js';

export const NORM_CASES: Case[] = [
  conv('BatchNorm1d', '2-D input', () => randomized(new nn.BatchNorm1d(4)), 4),
  conv(
    'BatchNorm1d',
    '3-D input, no affine',
    () => randomized(new nn.BatchNorm1d(4, { affine: false })),
    4,
    5,
  ),
  conv('BatchNorm2d', 'running stats', () => randomized(new nn.BatchNorm2d(3, { eps: 1e-3 })), 3, 4, 5),
  conv(
    'BatchNorm2d',
    'batch statistics',
    () => randomized(new nn.BatchNorm2d(3, { trackRunningStats: false })),
    3,
    4,
    5,
  ),
  conv('BatchNorm3d', 'running stats', () => randomized(new nn.BatchNorm3d(2)), 2, 3, 4, 3),
  conv('LayerNorm', 'opset 17', () => randomized(new nn.LayerNorm([4, 5])), 3, 4, 5),
  {
    ...conv('LayerNorm', 'opset 13 (decomposed)', () => randomized(new nn.LayerNorm(5, { eps: 1e-3 })), 3, 5),
    opts: { dynamicAxes: { input: [0, 1] }, opsetVersion: 13 },
  },
  conv('LayerNorm', 'no affine', () => new nn.LayerNorm(5, { elementwiseAffine: false }), 3, 5),
  conv('LayerNorm', 'no bias', () => randomized(new nn.LayerNorm(5, { bias: false })), 5),
  conv('RMSNorm', 'eps null', () => randomized(new nn.RMSNorm([3, 5])), 4, 3, 5),
  conv('RMSNorm', 'eps, no affine', () => new nn.RMSNorm(5, { eps: 1e-2, elementwiseAffine: false }), 5),
  conv('GroupNorm', '4-D', () => randomized(new nn.GroupNorm(2, 6)), 6, 3, 4),
  conv('GroupNorm', '3-D, no affine', () => new nn.GroupNorm(3, 3, { affine: false, eps: 1e-3 }), 3, 7),
];

/** [T, N, F] (or [N, T, F] with batchFirst): dynamic batch and sequence. */
const seqIn =
  (f: number, batchFirst = false) =>
  (n: number) => [randn(batchFirst ? [n, n + 2, f] : [n + 2, n, f])];
const seqAxes = { dynamicAxes: { input: [0, 1] } };

export const RNN_CASES: Case[] = [
  { cls: 'RNN', label: 'tanh', make: () => new nn.RNN(3, 4), args: seqIn(3), opts: seqAxes },
  {
    cls: 'RNN',
    label: 'relu, 2 layers, bidirectional, batchFirst',
    make: () =>
      new nn.RNN(3, 4, { nonlinearity: 'relu', numLayers: 2, bidirectional: true, batchFirst: true }),
    args: seqIn(3, true),
    opts: seqAxes,
  },
  {
    cls: 'LSTM',
    label: '2 layers, bidirectional, with [h0, c0]',
    make: () => new nn.LSTM(3, 5, { numLayers: 2, bidirectional: true }),
    args: (n) => [randn([n + 2, n, 3]), [randn([4, n, 5]), randn([4, n, 5])]],
    opts: { dynamicAxes: { input0: [0, 1], input1_0: [1], input1_1: [1] } },
  },
  {
    cls: 'LSTM',
    label: 'batchFirst, no bias',
    make: () => new nn.LSTM(3, 4, { batchFirst: true, bias: false }),
    args: seqIn(3, true),
    opts: seqAxes,
  },
  {
    cls: 'LSTM',
    label: 'unbatched',
    make: () => new nn.LSTM(3, 4, { numLayers: 2 }),
    args: (n) => [randn([n + 2, 3])],
    opts: { dynamicAxes: { input: [0] } },
  },
  {
    cls: 'GRU',
    label: '3 layers, bidirectional, with h0',
    make: () => new nn.GRU(3, 4, { numLayers: 3, bidirectional: true }),
    args: (n) => [randn([n + 2, n, 3]), randn([6, n, 4])],
    opts: { dynamicAxes: { input0: [0, 1], input1: [1] } },
  },
  {
    cls: 'GRU',
    label: 'batchFirst',
    make: () => new nn.GRU(3, 4, { batchFirst: true }),
    args: seqIn(3, true),
    opts: seqAxes,
  },
  {
    cls: 'RNNCell',
    label: 'relu, with h',
    make: () => new nn.RNNCell(3, 4, { nonlinearity: 'relu' }),
    args: (n) => [randn([n, 3]), randn([n, 4])],
    opts: { dynamicAxes: { input0: [0], input1: [0] } },
  },
  {
    cls: 'LSTMCell',
    label: 'no state',
    make: () => new nn.LSTMCell(3, 4),
    args: x(3),
    opts: { dynamicAxes: batch0 },
  },
  {
    cls: 'GRUCell',
    label: 'with h',
    make: () => new nn.GRUCell(3, 4),
    args: (n) => [randn([n, 3]), randn([n, 4])],
    opts: { dynamicAxes: { input0: [0], input1: [0] } },
  },
  {
    cls: 'GRUCell',
    label: 'unbatched',
    make: () => new nn.GRUCell(3, 4, { bias: false }),
    args: () => [randn([3])],
    opts: { sizes: [1] },
  },
];

const attnTol = { atol: 1e-5, rtol: 1e-4 };

export const ATTENTION_CASES: Case[] = [
  {
    cls: 'MultiheadAttention',
    label: 'self, batchFirst, bool masks, averaged weights',
    make: () => new nn.MultiheadAttention(8, 2, { batchFirst: true }),
    args: (n) => {
      const x1 = randn([n, n + 2, 8]);
      return [x1, x1, x1, { attnMask: causalBool(n + 2, n + 2), keyPaddingMask: padding(n, n + 2) }];
    },
    opts: {
      dynamicAxes: {
        input0: [0, 1],
        input1: [0, 1],
        input2: [0, 1],
        attnMask: [0, 1],
        keyPaddingMask: [0, 1],
      },
      tol: attnTol,
    },
  },
  {
    cls: 'MultiheadAttention',
    label: 'kdim/vdim, bias_k/v, addZeroAttn, float mask, per-head weights',
    make: () => new nn.MultiheadAttention(6, 3, { kdim: 4, vdim: 5, addBiasKv: true, addZeroAttn: true }),
    args: (n) => [
      randn([n + 1, n, 6]),
      randn([n + 2, n, 4]),
      randn([n + 2, n, 5]),
      { attnMask: randn([n + 1, n + 2]), averageAttnWeights: false },
    ],
    opts: {
      dynamicAxes: { input0: [0, 1], input1: [0, 1], input2: [0, 1], attnMask: [0, 1] },
      tol: attnTol,
    },
  },
  {
    // A [N*H, L, S] mask cannot follow a dynamic batch (its first dim is N*H): the sequences vary.
    cls: 'MultiheadAttention',
    label: '3-D float mask with key padding, dynamic sequences',
    make: () => new nn.MultiheadAttention(6, 3),
    args: (n) => [
      randn([n + 1, 2, 6]),
      randn([n + 2, 2, 6]),
      randn([n + 2, 2, 6]),
      { attnMask: randn([6, n + 1, n + 2]), keyPaddingMask: padding(2, n + 2) },
    ],
    opts: {
      dynamicAxes: { input0: [0], input1: [0], input2: [0], attnMask: [1, 2], keyPaddingMask: [1] },
      tol: attnTol,
    },
  },
  {
    cls: 'MultiheadAttention',
    label: 'unbatched, isCausal without a mask, no weights',
    make: () => new nn.MultiheadAttention(4, 2, { bias: false }),
    args: (n) => {
      const x1 = randn([n + 2, 4]);
      return [x1, x1, x1, { isCausal: true, needWeights: false }];
    },
    opts: { dynamicAxes: { input0: [0], input1: [0], input2: [0] }, tol: attnTol },
  },
];

const layerOpts = { dimFeedforward: 16, dropout: 0.1 };

export const TRANSFORMER_CASES: Case[] = [
  {
    cls: 'TransformerEncoderLayer',
    label: 'post-norm, src mask and padding',
    make: () => randomized(new nn.TransformerEncoderLayer(8, 2, layerOpts)),
    args: (n) => [
      randn([n + 2, n, 8]),
      { srcMask: causalBool(n + 2, n + 2), srcKeyPaddingMask: padding(n, n + 2) },
    ],
    opts: { dynamicAxes: { input0: [0, 1], srcMask: [0, 1], srcKeyPaddingMask: [0, 1] }, tol: attnTol },
  },
  {
    cls: 'TransformerEncoderLayer',
    label: 'normFirst, gelu, batchFirst',
    make: () =>
      randomized(
        new nn.TransformerEncoderLayer(8, 4, {
          ...layerOpts,
          normFirst: true,
          activation: 'gelu',
          batchFirst: true,
        }),
      ),
    args: (n) => [randn([n, n + 1, 8])],
    opts: { dynamicAxes: { input: [0, 1] }, tol: attnTol },
  },
  {
    cls: 'TransformerDecoderLayer',
    label: 'tgt and memory masks',
    make: () => randomized(new nn.TransformerDecoderLayer(8, 2, { ...layerOpts, activation: new nn.SiLU() })),
    args: (n) => [
      randn([n + 1, n, 8]),
      randn([n + 2, n, 8]),
      { tgtMask: causalBool(n + 1, n + 1), memoryKeyPaddingMask: padding(n, n + 2) },
    ],
    opts: {
      dynamicAxes: { input0: [0, 1], input1: [0, 1], tgtMask: [0, 1], memoryKeyPaddingMask: [0, 1] },
      tol: attnTol,
    },
  },
  {
    cls: 'TransformerEncoder',
    label: '2 layers, final norm, causal',
    make: () =>
      randomized(
        new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, layerOpts), 2, {
          norm: new nn.LayerNorm(8),
        }),
      ),
    args: (n) => [randn([n + 2, n, 8]), { isCausal: true }],
    opts: { dynamicAxes: { input: [0, 1] }, tol: attnTol },
  },
  {
    cls: 'TransformerDecoder',
    label: '2 layers, normFirst',
    make: () =>
      randomized(
        new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { ...layerOpts, normFirst: true }), 2),
      ),
    args: (n) => [randn([n + 1, n, 8]), randn([n + 2, n, 8])],
    opts: { dynamicAxes: { input0: [0, 1], input1: [0, 1] }, tol: attnTol },
  },
  {
    cls: 'Transformer',
    label: 'batchFirst, causal tgt mask',
    make: () =>
      randomized(
        new nn.Transformer({
          dModel: 8,
          nhead: 2,
          numEncoderLayers: 2,
          numDecoderLayers: 1,
          dimFeedforward: 16,
          batchFirst: true,
        }),
      ),
    args: (n) => [
      randn([n, n + 2, 8]),
      randn([n, n + 1, 8]),
      { tgtMask: nn.Transformer.generateSquareSubsequentMask(n + 1) },
    ],
    opts: { dynamicAxes: { input0: [0, 1], input1: [0, 1], tgtMask: [0, 1] }, tol: attnTol },
  },
];

const pair =
  (...rest: number[]) =>
  (n: number) => [randn([n, ...rest]), randn([n, ...rest])];
const lossAxes = { dynamicAxes: { input0: [0], input1: [0] } };
const loss = (cls: string, label: string, make: () => nn.Module, args: MakeArgs = pair(3, 4)): Case => ({
  cls,
  label,
  make,
  args,
  opts: lossAxes,
});

export const LOSS_CASES: Case[] = [
  loss('MSELoss', 'mean', () => new nn.MSELoss()),
  loss('L1Loss', 'sum', () => new nn.L1Loss({ reduction: 'sum' })),
  loss('SmoothL1Loss', 'beta 0.5, none', () => new nn.SmoothL1Loss({ beta: 0.5, reduction: 'none' })),
  loss('HuberLoss', 'delta 0.7', () => new nn.HuberLoss({ delta: 0.7 })),
  loss(
    'NLLLoss',
    'weight, ignoreIndex',
    () => new nn.NLLLoss({ weight: rand([5]), ignoreIndex: 1 }),
    (n) => [randn([n, 5]), randint(0, 5, [n], { dtype: 'int32' })],
  ),
  loss(
    'CrossEntropyLoss',
    '[N, C, d], weight, sum',
    () => new nn.CrossEntropyLoss({ weight: rand([4]), reduction: 'sum' }),
    (n) => [randn([n, 4, 3]), randint(0, 4, [n, 3], { dtype: 'int32' })],
  ),
  loss(
    'CrossEntropyLoss',
    'mean',
    () => new nn.CrossEntropyLoss(),
    (n) => [randn([n, 4]), randint(0, 4, [n], { dtype: 'int32' })],
  ),
  loss(
    'BCELoss',
    'weight',
    () => new nn.BCELoss({ weight: rand([4]) }),
    (n) => [rand([n, 4]), rand([n, 4])],
  ),
  loss(
    'BCEWithLogitsLoss',
    'posWeight, none',
    () => new nn.BCEWithLogitsLoss({ posWeight: rand([4]).add(0.5), reduction: 'none' }),
    (n) => [randn([n, 4]).mul(4), rand([n, 4])],
  ),
  loss(
    'KLDivLoss',
    'batchmean',
    () => new nn.KLDivLoss({ reduction: 'batchmean' }),
    (n) => [randn([n, 4]), rand([n, 4])],
  ),
  loss('KLDivLoss', 'logTarget, sum', () => new nn.KLDivLoss({ reduction: 'sum', logTarget: true })),
  {
    cls: 'CosineEmbeddingLoss',
    label: 'margin',
    make: () => new nn.CosineEmbeddingLoss({ margin: 0.2 }),
    args: (n) => [
      randn([n, 5]),
      randn([n, 5]),
      fromTypedArray(
        Float32Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1)),
        [n],
      ),
    ],
    opts: { dynamicAxes: { input0: [0], input1: [0], input2: [0] } },
  },
];
