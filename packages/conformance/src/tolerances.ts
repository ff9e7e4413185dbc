/**
 * The tolerance table, stated once. The reference is PyTorch in float64 on the exact
 * float32 inputs, so every number below is the error float32 arithmetic itself must make:
 *
 * - EXACT: ops that move, select or compare values (and everything on int32/bool) can
 *   reproduce the float32 value bit for bit.
 * - ROUNDED: one correctly rounded float32 operation (add, mul, div, sqrt) is within half an
 *   ulp: rtol 2^-24 ~ 6e-8. We allow one ulp (1.2e-7).
 * - TRANSCENDENTAL: exp, log, sin... are a few ulps in a good float32 libm; erf and friends
 *   have no JS builtin and are approximations, so they get a small absolute term.
 * - perK: accumulating ops (matmul over K, sums over n elements). Naive float32 summation
 *   has a worst-case relative error of about n * eps measured against the magnitude of the
 *   terms, so atol and rtol are multiplied by n and |expected| is floored at the RMS of the
 *   result (a cancelled element is as uncertain as the terms that produced it).
 *
 * `grad` applies to every gradient of the op: backward passes chain a few more roundings and
 * broadcast gradients are sums, hence slightly looser than forward.
 * Backends may override per op (options.tolerances); a looser override must be justified by
 * the backend's arithmetic (e.g. WGSL's 2-ulp exp), never by a wrong answer.
 */

import { BASIC_TOLERANCES } from './nn/basic.js';
import { MORE_TOLERANCES } from './nn/more.js';
import { MORE_LAYER_TOLERANCES } from './nn/more-layers.js';
import { GRAD2, HIGHER_ORDER_TOLERANCES, secondOrder } from './ops/higher-order.js';
import { INDEX_OP_TOLERANCES } from './ops/index-ops.js';
import { TENSOR_OP_TOLERANCES } from './ops/tensor-ops.js';

/** Second-derivative cases of the recurrent layers (see toleranceFor). */
const RECURRENT_GRAD2 = new Set(['grad2.nn.lstmCell', 'grad2.nn.lstm', 'grad2.nn.gruCell', 'grad2.nn.gru']);

/** Allowed error of one comparison: `|actual - expected| <= atol + rtol * |expected|`. */
export interface Tolerance {
  /** Absolute part. */
  atol: number;
  /** Relative part. */
  rtol: number;
  /** Multiply atol and rtol by the op's accumulation length (see compare.ts). */
  perK?: boolean;
}

/** An op's tolerances: forward per output dtype, and one for every gradient. */
export interface OpTolerance {
  /** Forward, float32 outputs. */
  float32?: Tolerance;
  /** Forward, int32 outputs (normally exact). */
  int32?: Tolerance;
  /** Forward, bool outputs (exact). */
  bool?: Tolerance;
  /** Every gradient of the op. */
  grad?: Tolerance;
}

/** Tolerances by fixture op name. */
export type ToleranceTable = Record<string, OpTolerance>;

const EPS = 1.1920928955078125e-7; // float32 machine epsilon, 2^-23

export const EXACT: Tolerance = { atol: 0, rtol: 0 };
const ROUNDED: Tolerance = { atol: 0, rtol: EPS };
const FEW_ULP: Tolerance = { atol: 1e-7, rtol: 4 * EPS };
const APPROX: Tolerance = { atol: 5e-7, rtol: 8 * EPS };
const GRAD_SIMPLE: Tolerance = { atol: 1e-7, rtol: 4 * EPS };
const GRAD_CHAIN: Tolerance = { atol: 1e-6, rtol: 16 * EPS };
const ACCUM: Tolerance = { atol: 0, rtol: EPS, perK: true };
const ACCUM_TRANS: Tolerance = { atol: 1e-7, rtol: 2 * EPS, perK: true };

function t(float32: Tolerance, grad: Tolerance = GRAD_SIMPLE): OpTolerance {
  return { float32, grad };
}

const exactOps = [
  'neg',
  'abs',
  'sign',
  'floor',
  'ceil',
  'round',
  'relu',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
  'logicalNot',
  'isnan',
  'where',
  'maskedFill',
  'floorDivide',
  'reshape',
  'view',
  'flatten',
  'squeeze',
  'unsqueeze',
  'transpose',
  'permute',
  'narrow',
  'select',
  'slice',
  'contiguous',
  'clone',
  'detach',
  'cast',
  'float',
  'int',
  'bool',
  't',
  'cat',
  'stack',
  'split',
  'chunk',
  'pad',
  'indexSelect',
  'gather',
  'max',
  'min',
  'argmax',
  'argmin',
  'all',
  'any',
  'eye',
  'full',
  'zeros',
  'ones',
  'zerosLike',
  'onesLike',
  'fullLike',
  'tensor',
];

/** Broadcasting/expanding ops: exact forward, but their gradients sum over broadcast dims. */
const expandOps = ['expand', 'expandAs'];

/**
 * The default tolerance of every op, derived from float32 arithmetic (see the classes in this file's
 * header); backends override single ops through {@link ConformanceOptions.tolerances}.
 */
export const DEFAULT_TOLERANCES: ToleranceTable = {
  ...BASIC_TOLERANCES,
  ...MORE_TOLERANCES,
  ...MORE_LAYER_TOLERANCES,
  ...TENSOR_OP_TOLERANCES,
  ...HIGHER_ORDER_TOLERANCES,
  ...INDEX_OP_TOLERANCES,
  ...Object.fromEntries(exactOps.map((op) => [op, t(EXACT, { ...ACCUM })])),
  ...Object.fromEntries(expandOps.map((op) => [op, t(EXACT, { ...ACCUM })])),
  // one rounding each; gradients of broadcast operands are sums (perK via accum)
  add: t(ROUNDED, ACCUM),
  sub: t(ROUNDED, ACCUM),
  mul: t(ROUNDED, { atol: 0, rtol: 2 * EPS, perK: true }),
  div: t(ROUNDED, { atol: 0, rtol: 4 * EPS, perK: true }),
  square: t(ROUNDED, GRAD_SIMPLE),
  sqrt: t(ROUNDED, GRAD_SIMPLE),
  reciprocal: t(ROUNDED, GRAD_SIMPLE),
  // clamp bounds are float64 in PyTorch and float32 in layers: one rounding.
  clamp: t(ROUNDED, EXACT),
  remainder: t({ atol: 1e-6, rtol: 2 * EPS }, GRAD_SIMPLE),
  rsqrt: t(FEW_ULP, GRAD_CHAIN),
  exp: t(FEW_ULP, GRAD_SIMPLE),
  expm1: t(FEW_ULP, GRAD_SIMPLE),
  log: t(FEW_ULP, GRAD_SIMPLE),
  log1p: t(FEW_ULP, GRAD_SIMPLE),
  sin: t(FEW_ULP, GRAD_SIMPLE),
  cos: t(FEW_ULP, GRAD_SIMPLE),
  tan: t(FEW_ULP, GRAD_CHAIN),
  tanh: t(FEW_ULP, GRAD_SIMPLE),
  sigmoid: t(FEW_ULP, GRAD_SIMPLE),
  atan2: t(FEW_ULP, GRAD_CHAIN),
  erf: t(APPROX, GRAD_CHAIN),
  pow: t({ atol: 1e-7, rtol: 8 * EPS }, { atol: 1e-6, rtol: 32 * EPS, perK: true }),
  // reductions: accumulation over the reduced elements
  sum: t(ACCUM, ACCUM),
  mean: t(ACCUM, ACCUM),
  prod: t(ACCUM, { atol: 1e-7, rtol: 2 * EPS, perK: true }),
  var: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 4 * EPS, perK: true }),
  std: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 4 * EPS, perK: true }),
  logsumexp: t(ACCUM_TRANS, ACCUM_TRANS),
  // linear algebra: K-length dot products
  matmul: t(ACCUM, ACCUM),
  mm: t(ACCUM, ACCUM),
  bmm: t(ACCUM, ACCUM),
  scatterAdd: t(ACCUM, ACCUM),
  // creation: layers may compute start + i * step in float32
  arange: t({ atol: 1e-7, rtol: 2 * EPS }),
  linspace: t({ atol: 1e-7, rtol: 2 * EPS }),
  // nn ops with optional fused kernels
  softmax: t(ACCUM_TRANS, { atol: 1e-7, rtol: 4 * EPS, perK: true }),
  logSoftmax: t(ACCUM_TRANS, { atol: 1e-7, rtol: 4 * EPS, perK: true }),
  layerNorm: t({ atol: 1e-6, rtol: 8 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  conv2d: t(ACCUM, ACCUM),
  // losses (nn-loss): a few roundings per element, then a sum or mean over the batch
  ...Object.fromEntries(
    [
      'mseLoss',
      'l1Loss',
      'smoothL1Loss',
      'huberLoss',
      'nllLoss',
      'crossEntropy',
      'binaryCrossEntropy',
      'binaryCrossEntropyWithLogits',
      'klDiv',
      'cosineEmbeddingLoss',
    ].map((op) => [
      op,
      t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 8 * EPS, perK: true }),
    ]),
  ),
  // nn-conv: im2col matmuls (the fixture states the accumulation length Cg*K), exact max pools
  ...Object.fromEntries(
    ['conv1d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'convModule'].map((op) => [
      op,
      t(ACCUM, ACCUM),
    ]),
  ),
  ...Object.fromEntries(
    ['maxPool1d', 'maxPool2d', 'maxPool3d', 'adaptiveMaxPool1d', 'adaptiveMaxPool2d'].map((op) => [
      op,
      t(EXACT, ACCUM),
    ]),
  ),
  // a sum then one division (adaptive: one matmul with rounded 1/n weights); float32 interpolation weights
  ...Object.fromEntries(
    [
      'avgPool1d',
      'avgPool2d',
      'avgPool3d',
      'adaptiveAvgPool1d',
      'adaptiveAvgPool2d',
      'adaptiveAvgPool3d',
      'interpolate',
      'upsamplingBilinear2d',
    ].map((op) => [
      op,
      t({ atol: 1e-7, rtol: 2 * EPS, perK: true }, { atol: 1e-7, rtol: 2 * EPS, perK: true }),
    ]),
  ),
  upsamplingNearest2d: t(EXACT, ACCUM),
  // nn-seq: recurrent layers, attention, transformers; the fixture states each case's accumulation
  // length (dot products and reductions, times recurrent steps or stacked layers)
  ...Object.fromEntries(
    [
      'nn.rnn',
      'nn.lstm',
      'nn.gru',
      'nn.rnnCell',
      'nn.lstmCell',
      'nn.gruCell',
      'scaledDotProductAttention',
      'nn.multiheadAttention',
      'nn.transformerEncoderLayer',
      'nn.transformerDecoderLayer',
      'nn.transformerEncoder',
      'nn.transformerDecoder',
      'nn.transformer',
      'nn.transformerStateDict',
    ].map((op) => [op, t(ACCUM, ACCUM)]),
  ),
  generateSquareSubsequentMask: t(EXACT),
  // composites: a handful of chained ops each (see ops.ts)
  mlp: t({ atol: 1e-6, rtol: 1e-6, perK: true }, { atol: 1e-6, rtol: 1e-6, perK: true }),
  reuse: t({ atol: 1e-7, rtol: 8 * EPS }, GRAD_CHAIN),
  diamond: t({ atol: 1e-7, rtol: 8 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  softmaxManual: t(ACCUM_TRANS, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  broadcastChain: t(ACCUM, { atol: 1e-7, rtol: 4 * EPS, perK: true }),
  viewChain: t(ROUNDED, ROUNDED),
  normalize: t({ atol: 1e-6, rtol: 8 * EPS, perK: true }, { atol: 1e-6, rtol: 16 * EPS, perK: true }),
  maskedSoftmaxish: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, GRAD_CHAIN),
  gatherLoss: t({ atol: 1e-6, rtol: 4 * EPS, perK: true }, { atol: 1e-6, rtol: 4 * EPS, perK: true }),
  catSplit: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 4 * EPS, perK: true }),
  whereClamp: t(ROUNDED, ROUNDED),
  powChain: t({ atol: 1e-6, rtol: 16 * EPS }, { atol: 1e-6, rtol: 32 * EPS }),
};

/** Fallback for an op missing from the table: a few ulps, so a new op is never compared exactly by accident. */
const UNKNOWN: OpTolerance = { float32: FEW_ULP, grad: GRAD_CHAIN };

/** Look up the tolerance for one compared tensor; int32 and bool are always exact unless overridden. */
export function toleranceFor(
  table: ToleranceTable,
  op: string,
  kind: 'float32' | 'int32' | 'bool' | 'grad',
): Tolerance {
  // grad2.<op> (autograd-higher) compares <op>'s first derivative, then its second.
  if (!table[op] && op.startsWith(GRAD2)) {
    const first = toleranceFor(table, op.slice(GRAD2.length), 'grad');
    // The recurrent cells chain four gate products per step through both passes; on the
    // relaxed-SIMD wasm build (fused multiply-add in the matmuls) grad2.nn.lstmCell measured
    // 1.11x the plain bound: twice it for the cells.
    const widen = (t: Tolerance): Tolerance =>
      RECURRENT_GRAD2.has(op) ? { ...t, atol: 2 * t.atol, rtol: 2 * t.rtol } : t;
    if (kind === 'float32') return widen(first);
    if (kind === 'grad') return widen(secondOrder(first));
  }
  const entry = table[op] ?? UNKNOWN;
  const explicit = entry[kind];
  if (explicit) return explicit;
  if (kind === 'int32' || kind === 'bool') return EXACT;
  return (kind === 'grad' ? UNKNOWN.grad : UNKNOWN.float32) as Tolerance;
}

/** Merge per-backend overrides (op by op, dtype by dtype) over the defaults. */
export function mergeTolerances(
  base: ToleranceTable,
  overrides: Partial<ToleranceTable> = {},
): ToleranceTable {
  const out: ToleranceTable = { ...base };
  for (const [op, o] of Object.entries(overrides)) {
    if (o) out[op] = { ...(base[op] ?? {}), ...o };
  }
  return out;
}
