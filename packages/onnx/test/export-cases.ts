/**
 * The export test table: one or more cases per nn module class (export-modules.test.ts runs
 * them; export-coverage.test.ts checks every class exported by nn is here or refused).
 */
import { fromTypedArray, nn, rand, randint, randn, type Tensor } from '@layers/core';
import type { ExportOptions } from '../src/index.js';
import type { MakeArgs, Tolerance } from './export-helpers.js';

/** One export case. */
export interface Case {
  /** The nn class it covers. */
  cls: string;
  label?: string;
  make: () => nn.Module;
  args: MakeArgs;
  opts?: ExportOptions & { sizes?: number[]; tol?: Tolerance };
}

const batch0 = { input: [0] };
/** One input [n, ...rest] with a dynamic batch axis. */
const x =
  (...rest: number[]) =>
  (n: number) => [randn([n, ...rest])];
/** Scaled so saturating activations see both regimes. */
const xs =
  (scale: number, ...rest: number[]) =>
  (n: number) => [randn([n, ...rest]).mul(scale)];

const act = (cls: string, make: () => nn.Module, label?: string): Case => ({
  cls,
  label,
  make,
  args: xs(3, 4, 5),
  opts: { dynamicAxes: batch0 },
});

export const ACTIVATION_CASES: Case[] = [
  act('ReLU', () => new nn.ReLU()),
  act('ReLU6', () => new nn.ReLU6()),
  act('LeakyReLU', () => new nn.LeakyReLU({ negativeSlope: 0.2 })),
  {
    cls: 'PReLU',
    make: () => new nn.PReLU({ numParameters: 4, init: 0.3 }),
    args: xs(3, 4, 5),
    opts: { dynamicAxes: batch0 },
  },
  act('PReLU', () => new nn.PReLU(), 'shared slope'),
  act('ELU', () => new nn.ELU({ alpha: 0.7 })),
  act('CELU', () => new nn.CELU({ alpha: 1.3 })),
  act('SELU', () => new nn.SELU()),
  act('GELU', () => new nn.GELU()),
  act('GELU', () => new nn.GELU({ approximate: 'tanh' }), 'tanh'),
  act('SiLU', () => new nn.SiLU()),
  act('Mish', () => new nn.Mish()),
  act('Sigmoid', () => new nn.Sigmoid()),
  act('Tanh', () => new nn.Tanh()),
  act('LogSigmoid', () => new nn.LogSigmoid()),
  act('Hardtanh', () => new nn.Hardtanh({ minVal: -2, maxVal: 1.5 })),
  act('Hardsigmoid', () => new nn.Hardsigmoid()),
  act('Hardswish', () => new nn.Hardswish()),
  act('Softplus', () => new nn.Softplus({ beta: 2, threshold: 3 })),
  act('Softplus', () => new nn.Softplus(), 'defaults'),
  act('Softsign', () => new nn.Softsign()),
  act('Tanhshrink', () => new nn.Tanhshrink()),
  act('Hardshrink', () => new nn.Hardshrink({ lambd: 0.7 })),
  act('Softshrink', () => new nn.Softshrink({ lambd: 0.7 })),
  act('Threshold', () => new nn.Threshold(0.3, -2)),
  act('Softmax', () => new nn.Softmax({ dim: -1 })),
  act('Softmax', () => new nn.Softmax(), 'implicit dim'),
  act('LogSoftmax', () => new nn.LogSoftmax({ dim: 1 })),
  act('Softmin', () => new nn.Softmin({ dim: 2 })),
];

export const BASIC_CASES: Case[] = [
  { cls: 'Identity', make: () => new nn.Identity(), args: x(3), opts: { dynamicAxes: batch0 } },
  ...(
    [
      ['Dropout', [3, 4]],
      ['Dropout1d', [3, 4]],
      ['Dropout2d', [3, 4, 5]],
      ['Dropout3d', [3, 4, 5, 6]],
      ['AlphaDropout', [3]],
    ] as const
  ).map(
    ([cls, rest]): Case => ({
      cls,
      make: () => new (nn as unknown as Record<string, new (o: object) => nn.Module>)[cls]({ p: 0.5 }),
      args: x(...rest),
      opts: { dynamicAxes: batch0 },
    }),
  ),
  { cls: 'Flatten', make: () => new nn.Flatten(), args: x(3, 4, 5), opts: { dynamicAxes: batch0 } },
  {
    cls: 'Flatten',
    label: 'inner dims',
    make: () => new nn.Flatten({ startDim: 1, endDim: 2 }),
    args: x(3, 4, 5),
    opts: { dynamicAxes: batch0 },
  },
  {
    cls: 'Unflatten',
    make: () => new nn.Unflatten(1, [3, -1]),
    args: x(12, 2),
    opts: { dynamicAxes: batch0 },
  },
  { cls: 'Linear', make: () => new nn.Linear(5, 3), args: x(5), opts: { dynamicAxes: batch0 } },
  {
    cls: 'Linear',
    label: '3-D input, no bias, dynamic batch and sequence',
    make: () => new nn.Linear(5, 3, { bias: false }),
    args: x(4, 5),
    opts: { dynamicAxes: { input: [0, 1] } },
  },
  {
    cls: 'Bilinear',
    make: () => new nn.Bilinear(4, 3, 5),
    args: (n) => [randn([n, 4]), randn([n, 3])],
    opts: { dynamicAxes: { input0: [0], input1: [0] } },
  },
  {
    cls: 'Embedding',
    make: () => new nn.Embedding(10, 4, { paddingIdx: 0 }),
    args: (n) => [randint(0, 10, [n, 5], { dtype: 'int32' })],
    opts: { dynamicAxes: { input: [0, 1] } },
  },
  {
    cls: 'Embedding',
    label: 'maxNorm',
    make: () => new nn.Embedding(10, 4, { maxNorm: 1 }),
    args: (n) => [randint(0, 10, [n, 5], { dtype: 'int32' })],
    opts: { dynamicAxes: { input: [0] } },
  },
  {
    cls: 'Sequential',
    make: () => new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Dropout(), new nn.Linear(8, 2)),
    args: x(6),
    opts: { dynamicAxes: batch0 },
  },
];

const conv = (cls: string, label: string, make: () => nn.Module, ...rest: number[]): Case => ({
  cls,
  label,
  make,
  args: x(...rest),
  opts: { dynamicAxes: batch0 },
});

export const CONV_CASES: Case[] = [
  conv('Conv1d', 'stride, padding', () => new nn.Conv1d(3, 4, 3, { stride: 2, padding: 1 }), 3, 11),
  conv('Conv1d', 'reflect', () => new nn.Conv1d(3, 4, 3, { padding: 2, paddingMode: 'reflect' }), 3, 9),
  conv(
    'Conv2d',
    'groups, dilation',
    () => new nn.Conv2d(4, 6, 3, { groups: 2, dilation: 2, padding: 1 }),
    4,
    9,
    8,
  ),
  conv(
    'Conv2d',
    "padding 'same'",
    () => new nn.Conv2d(3, 2, [2, 4], { padding: 'same', bias: false }),
    3,
    7,
    6,
  ),
  conv(
    'Conv2d',
    'replicate',
    () => new nn.Conv2d(3, 2, 3, { padding: [1, 2], paddingMode: 'replicate' }),
    3,
    6,
    6,
  ),
  conv(
    'Conv2d',
    'circular',
    () => new nn.Conv2d(3, 2, 3, { padding: [2, 1], paddingMode: 'circular' }),
    3,
    6,
    5,
  ),
  conv('Conv3d', 'stride', () => new nn.Conv3d(2, 3, 2, { stride: [1, 2, 1] }), 2, 4, 5, 4),
  {
    cls: 'Conv2d',
    label: 'unbatched input',
    make: () => new nn.Conv2d(3, 2, 3),
    args: () => [randn([3, 6, 6])],
    opts: { sizes: [1] },
  },
  conv(
    'ConvTranspose1d',
    'stride, outputPadding',
    () => new nn.ConvTranspose1d(3, 2, 3, { stride: 2, outputPadding: 1 }),
    3,
    5,
  ),
  conv(
    'ConvTranspose2d',
    'groups, dilation, padding',
    () => new nn.ConvTranspose2d(4, 6, 3, { groups: 2, dilation: 2, padding: 1 }),
    4,
    5,
    4,
  ),
  conv('ConvTranspose3d', 'stride', () => new nn.ConvTranspose3d(2, 2, 2, { stride: 2 }), 2, 3, 2, 3),
  {
    cls: 'ConvTranspose2d',
    label: 'outputSize',
    make: () => new nn.ConvTranspose2d(3, 2, 3, { stride: 2 }),
    args: (n) => [randn([n, 3, 4, 4]), { outputSize: [10, 9] }],
    opts: { dynamicAxes: batch0 },
  },
];

export const POOL_CASES: Case[] = [
  conv('MaxPool1d', 'stride, padding', () => new nn.MaxPool1d(3, { stride: 2, padding: 1 }), 3, 10),
  conv(
    'MaxPool2d',
    'ceilMode, dilation',
    () => new nn.MaxPool2d(3, { stride: 2, ceilMode: true, dilation: [1, 2] }),
    2,
    10,
    11,
  ),
  conv('MaxPool3d', 'default stride', () => new nn.MaxPool3d(2), 2, 4, 5, 6),
  conv('AvgPool1d', 'padding, countIncludePad', () => new nn.AvgPool1d(3, { stride: 2, padding: 1 }), 3, 10),
  conv(
    'AvgPool2d',
    'ceilMode, no pad count',
    () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    2,
    10,
    9,
  ),
  conv('AvgPool2d', 'divisorOverride', () => new nn.AvgPool2d(2, { divisorOverride: 3 }), 2, 6, 6),
  conv('AvgPool3d', 'stride', () => new nn.AvgPool3d([2, 2, 3], { stride: 1 }), 2, 4, 4, 5),
  conv('AdaptiveAvgPool1d', 'uneven windows', () => new nn.AdaptiveAvgPool1d(4), 3, 10),
  conv('AdaptiveAvgPool2d', 'uneven, null', () => new nn.AdaptiveAvgPool2d([3, null]), 3, 7, 5),
  conv('AdaptiveAvgPool3d', 'global', () => new nn.AdaptiveAvgPool3d(1), 2, 3, 4, 5),
  conv('AdaptiveMaxPool1d', 'uneven windows', () => new nn.AdaptiveMaxPool1d(3), 3, 10),
  conv('AdaptiveMaxPool2d', 'uneven', () => new nn.AdaptiveMaxPool2d([3, 2]), 3, 7, 5),
  conv('AdaptiveMaxPool3d', 'cube', () => new nn.AdaptiveMaxPool3d(2), 2, 3, 4, 5),
  conv('Upsample', 'nearest, scale 2', () => new nn.Upsample({ scaleFactor: 2 }), 2, 3, 4),
  conv('Upsample', 'nearest, size', () => new nn.Upsample({ size: [5, 7] }), 2, 3, 4),
  conv('Upsample', 'linear 1-D', () => new nn.Upsample({ scaleFactor: 2.5, mode: 'linear' }), 2, 5),
  conv('Upsample', 'bilinear, size', () => new nn.Upsample({ size: [7, 5], mode: 'bilinear' }), 2, 3, 4),
  conv(
    'Upsample',
    'bicubic, alignCorners',
    () => new nn.Upsample({ scaleFactor: 2, mode: 'bicubic', alignCorners: true }),
    2,
    3,
    4,
  ),
  conv('Upsample', 'bicubic', () => new nn.Upsample({ scaleFactor: 2, mode: 'bicubic' }), 2, 3, 4),
  conv(
    'Upsample',
    'trilinear',
    () => new nn.Upsample({ scaleFactor: [2, 1, 3], mode: 'trilinear' }),
    2,
    2,
    3,
    2,
  ),
  conv('UpsamplingNearest2d', 'scale', () => new nn.UpsamplingNearest2d({ scaleFactor: 3 }), 2, 3, 4),
  conv('UpsamplingBilinear2d', 'size', () => new nn.UpsamplingBilinear2d({ size: [6, 8] }), 2, 3, 4),
];

/** Random non-trivial affine parameters and running statistics (fresh layers have 1s and 0s). */
function randomized<M extends nn.Module>(m: M): M {
  for (const [name, t] of [...m.namedParameters(), ...m.namedBuffers()]) {
    if (t.dtype !== 'float32') continue;
    const r = name.endsWith('running_var') ? randn(t.shape).abs().add(0.5) : randn(t.shape).mul(0.5);
    t._assign(r);
  }
  return m;
}

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

/** Bool [rows, cols]: true where col > row (PyTorch's "masked out" causal mask). */
function causalBool(rows: number, cols: number): Tensor {
  const d = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) d[i * cols + j] = j > i ? 1 : 0;
  return fromTypedArray(d, [rows, cols]);
}
/** Bool [n, s] key padding: the last key of every other sequence is padding. */
function padding(n: number, s: number): Tensor {
  const d = new Uint8Array(n * s);
  for (let b = 0; b < n; b += 2) d[b * s + s - 1] = 1;
  return fromTypedArray(d, [n, s]);
}

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

export type { Tensor };
