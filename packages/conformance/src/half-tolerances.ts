/**
 * Tolerances of the float16/bfloat16 rows (family `half-ops`, tooling/fixtures/half_rows.py),
 * stated once, in ulps of the dtype. The reference is PyTorch in float64 on inputs that are
 * exact values of the dtype, so each number is the error the layers arithmetic itself must
 * make: every primitive computes in float32 and rounds its result to the dtype once (as
 * PyTorch's CPU kernels), and float32's own error (2^-24) is 1/8192 of a float16 ulp.
 *
 * - exact (0 ulps): ops whose float32 tolerance is exact (moving, selecting, comparing).
 * - one rounding (1 ulp): the correctly rounded value is within half an ulp; a float32
 *   intermediate a few float32 ulps off can tip a near-tie the other way, hence 1.
 * - accumulating ops (float32 tolerance `perK`) sum in float32 and round once: 1 ulp of the
 *   larger of |expected| and the tensor's RMS (a cancelled element is as uncertain as its terms).
 * - gradients chain a few rounded primitives (the gradient times a rounded derivative, then a
 *   sum over broadcast dims): 2 ulps of the larger of |expected| and the RMS.
 * - composed ops (core builds them of primitives, each rounding to the dtype) are listed in
 *   {@link HALF_TOLERANCES} with the measured worst (cpu backend, both dtypes) and their roundings.
 *
 * The same table states, as `torch`, how far an op may be from PyTorch 1.13's own 16-bit CPU
 * result (behaviour/half-ops.ts, fixtures/half/): there both sides round a float32 result, so
 * the bound is what separates two float32 computations, not the distance to float64.
 */
import { rmsOf } from './compare.js';
import { EXACT, type Tolerance } from './tolerances.js';

export type HalfDType = 'float16' | 'bfloat16';

/** An allowed error in ulps of the dtype: `|a - e| <= ulps * ulp(max(|e|, rms, floor * max|e|))`. */
export interface HalfTolerance {
  /** Ulps of the dtype at the element's magnitude. */
  ulps: number;
  /** Floor |expected| at the tensor's RMS (accumulations, gradients). */
  rms?: boolean;
  /** Floor |expected| at this fraction of the tensor's largest |expected| (cancellation near zero). */
  floor?: number;
}

/**
 * One op's 16-bit tolerances: its fixture rows' output and gradient against float64 (the
 * file header's class when absent) and, as `torch`, its distance from PyTorch's own 16-bit
 * result (exact when absent).
 */
export interface HalfOpTolerance {
  out?: HalfTolerance;
  grad?: HalfTolerance;
  torch?: HalfTolerance;
}

const HALF_EXACT: HalfTolerance = { ulps: 0 };
const ONE_ROUNDING: HalfTolerance = { ulps: 1 };
const ACCUMULATED: HalfTolerance = { ulps: 1, rms: true };
const GRAD: HalfTolerance = { ulps: 2, rms: true };

const u = (out: number, grad = 2): HalfOpTolerance => ({
  out: { ulps: out, rms: true },
  grad: { ulps: grad, rms: true },
});

// Against PyTorch's own 16-bit result. Elementwise ops both compute in float32 and round
// once: the same bits. Transcendentals: the two float32 libms differ by a float32 ulp, which
// can tip a rounding. Sums and products: another float32 order, 1 ulp, measured at no less
// than 1/64 of the largest output (a cancelled element is as uncertain as its terms).
const T_EXACT: HalfOpTolerance = { torch: { ulps: 0 } };
const T_ONE: HalfOpTolerance = { torch: { ulps: 1 } };
const T_SUM: HalfOpTolerance = { torch: { ulps: 1, floor: 1 / 64 } };
const t = (ulps: number, floor?: number): HalfTolerance => (floor ? { ulps, floor } : { ulps });

/**
 * The one table of 16-bit tolerances (see {@link HalfOpTolerance}). Composed ops' `out` and
 * `grad`: the worst measured on the cpu backend (and the template, which composes what
 * cpu fuses, where it was worse) over both dtypes (out, grad), rounded up
 * to whole ulps, always with the RMS floor (their roundings happen on intermediates whose size
 * is the terms', not the result's). Each primitive rounds to the dtype, so the bound grows with
 * the chain: a mean rounded before it is subtracted (norms: instanceNorm's 9 ulps on inputs
 * of mean -1, std 0.5), derivatives that chain three or four rounded products (sigmoid's
 * g * s * (1 - s)), and attention blocks of a dozen ops. For scale: PyTorch 1.13's own bfloat16
 * CPU kernels are 25.6 ulps off on the layerNorm row and 22.4 on instanceNormModule's (the
 * fixture's `torchUlps`).
 */
export const HALF_TOLERANCES: Record<string, HalfOpTolerance> = {
  // window sums rounded, then divided by the length: two roundings
  adaptiveAvgPool1d: u(2, 2),
  adaptiveAvgPool2d: u(3, 2), // out 2.17 (bfloat16)
  adaptiveAvgPool3d: u(2, 5), // out 1.59, grad 4.89 (bfloat16)
  addcmul: u(6, 2), // out 5.88 (bfloat16: x + v * a * b, three roundings, cancelling)
  baddbmm: u(2, 2), // out 1.15
  batchNormEval: u(2, 2), // out 1.74
  batchNormModule: u(2, 3), // out 1.13, grad 2.01
  batchNormTrain: u(2, 5), // out 1.30, grad 4.80
  catSplit: u(2, 2), // out 1.03
  cdist: u(2, 2), // out 1.09
  cosineSimilarity: u(2, 3), // out 1.34, grad 2.08
  ctcLoss: u(1, 7), // grad 6.63 (bfloat16: a logsumexp recursion over time steps)
  embeddingMaxNorm: u(2, 2), // out 1.94
  embeddingBagMaxNorm: u(3, 2), // out 2.37 (bfloat16)
  fold: u(2, 2), // out 1.75
  groupNorm: u(3, 6), // out 2.87, grad 5.17
  instanceNorm: u(2, 6), // out 1.20, grad 5.74
  instanceNormModule: u(9, 5), // out 8.99, grad 4.70
  klDiv: u(1, 3), // grad 2.18
  logaddexp: u(3, 2), // out 2.40
  logcumsumexp: u(2, 3), // out 1.69, grad 2.89
  mlp: u(2, 2), // out 1.18
  multiMarginLoss: u(2, 2), // out 1.20
  'nn.gru': u(2, 6), // out 1.83, grad 5.83
  'nn.gruCell': u(1, 3), // grad 2.99
  'nn.lstm': u(3, 7), // out 2.92, grad 6.86 (PyTorch's own bfloat16 forward: 2.86)
  'nn.lstmCell': u(2, 5), // out 1.20, grad 4.41
  'nn.multiheadAttention': u(2, 4), // out 1.73, grad 3.74
  'nn.rnn': u(2, 3), // out 1.45, grad 2.85
  // Stacks of attention, feed-forward and layer norms; PyTorch's own bfloat16 forward of these
  // cases is 6.4 (transformer), 15.2 (decoder) and 12.3 (encoder) ulps off. Their bfloat16
  // gradients are bounded by PyTorch's own ({@link TORCH_RELATIVE_GRAD}); the grad figure
  // here is float16's (worst of cpu and the template), as 1.13 has no float16 CPU kernels.
  // PyTorch's float32 arithmetic rounded to float16 after every aten op (a TorchDispatchMode,
  // measured once, not stored) is 3.9 ulps off on the decoder's worst input where core is
  // 12.9, so no multiple of it would be tighter than these figures.
  'nn.transformer': u(2, 7), // out 1.29, float16 grad 6.78
  'nn.transformerDecoder': u(2, 14), // out 1.16, float16 grad 13.3
  'nn.transformerEncoder': u(3, 7), // out 2.04, float16 grad 6.96
  'nn.transformerDecoderLayer': u(2, 7), // float16 grad 6.04
  'nn.transformerEncoderLayer': u(2, 5), // out 1.17, grad 4.24
  normalize: u(2, 5), // out 1.98, grad 4.00
  powChain: u(2, 2), // out 1.19
  reuse: u(2, 2), // out 1.85
  rmsNorm: u(2, 5), // out 1.03, grad 4.96
  rsqrt: { ...u(1, 3), ...T_ONE }, // grad 2.46
  scaledDotProductAttention: u(2, 5), // out 1.03, grad 4.57
  selu: u(2, 2), // out 1.74
  sigmoid: { ...u(1, 4), ...T_ONE }, // grad 3.58
  sigmoidF: u(1, 3), // grad 2.06
  softmax2d: u(1, 4), // grad 3.14
  softmaxManual: u(4, 8), // out 3.24, grad 7.93
  softmin: u(1, 3), // grad 2.17
  std: u(1, 3), // grad 2.50
  tanhF: u(1, 4), // grad 3.30
  tripletMarginLoss: u(1, 5), // grad 4.78

  // Bounds against PyTorch's own 16-bit CPU result alone (the op cases of fixtures/half/).
  abs: T_EXACT,
  add: T_EXACT,
  amax: T_EXACT,
  div: T_EXACT,
  floor: T_EXACT,
  maxPool2d: T_EXACT,
  maximum: T_EXACT,
  min: T_EXACT,
  mul: T_EXACT,
  neg: T_EXACT,
  relu: T_EXACT,
  sub: T_EXACT,
  avgPool2d: T_ONE,
  erf: T_ONE,
  exp: T_ONE,
  log: T_ONE,
  powScalar: T_ONE,
  sin: T_ONE,
  sqrt: T_ONE,
  tanh: T_ONE,
  bmm: T_SUM,
  conv2d: T_SUM,
  cumsum: T_SUM,
  matmul: T_SUM,
  mean: T_SUM,
  prod: T_SUM,
  sum: T_SUM,
  sumAll: T_SUM,
  // The bias is added to the rounded product: two roundings (PyTorch's addmm rounds once).
  linear: { torch: t(2, 1 / 64) },
  // Core composes these in float32 and rounds once (compose-f32.ts); PyTorch's CPU kernels
  // round once too but by another float32 route, so 1 ulp, measured at no less than 1/16 of
  // the largest output (softmax and norms cancel near zero). Worst on cpu, wasm (both
  // modules), the template and webgpu (SwiftShader): silu 1.0 (bfloat16), the rest 0 (these
  // were 2 and 4 ulps when core composed them of rounded primitives: gelu 1.75 then).
  crossEntropy: { torch: t(1) },
  gelu: { torch: t(1, 1 / 16) },
  layerNorm: { torch: t(1, 1 / 16) },
  logSoftmax: { torch: t(1, 1 / 16) },
  silu: { torch: t(1, 1 / 16) },
  softmax: { torch: t(1, 1 / 16) },
  softplus: { torch: t(1, 1 / 16) },
  // PyTorch's float16 CPU mse kernel rounds (x - y)^2 per element before the mean: 2
  // (measured 1.0).
  mseLoss: { torch: t(2) },
  // Eval batchNorm rounds each of its steps: 4.31 ulps (float16, against the float32 result
  // rounded once) on every backend.
  batchNorm: { torch: t(5, 1 / 16) },
};

/**
 * Gradients bounded by PyTorch's own bfloat16 error on the same case and input (the fixture's
 * `torchGradUlps`, PyTorch 1.13's bfloat16 CPU backward against float64, measured as here):
 * `TORCH_GRAD_FACTOR` times it plus `TORCH_GRAD_SLACK` ulps. Stacked attention blocks chain
 * dozens of roundings, so their error is the arithmetic's, not the kernel's: PyTorch's own
 * worst is 54.5 ulps (encoder), 31.1 (decoder), 15.2 (decoder layer), 13.0 (transformer).
 * The factor: core rounds every primitive where PyTorch's kernels fuse some, and on the
 * inputs whose gradient PyTorch gets within 10 ulps or worse, cpu and the template are at
 * most 1.41x its error (decoder: 43.9 vs 31.1). The slack: a gradient chains a few rounded
 * primitives (the GRAD class's 2 ulps) plus one, for the inputs PyTorch gets nearly right
 * (decoder layer: 12.98 vs 6.98, which needs 2.51). Worst use of the bound: 0.96 (decoder
 * layer, cpu); the encoder's 59.5 / 62.5 ulps (cpu / template) are 0.70 / 0.74 of its 84.8.
 */
const TORCH_RELATIVE_GRAD = new Set([
  'nn.transformer',
  'nn.transformerDecoder',
  'nn.transformerDecoderLayer',
  'nn.transformerEncoder',
  'nn.transformerEncoderLayer',
]);
const TORCH_GRAD_FACTOR = 1.5;
const TORCH_GRAD_SLACK = 3;

/** What {@link halfToleranceFor} knows of the case besides the op. */
export interface HalfCaseInfo {
  dtype: HalfDType;
  /** PyTorch's own error on this tensor in ulps (the fixture's torchUlps / torchGradUlps). */
  torchUlps?: number | null;
}

/** The half tolerance of `op`, derived from its float32 one (see the file header). */
export function halfToleranceFor(
  op: string,
  float32: Tolerance,
  kind: 'out' | 'grad',
  info?: HalfCaseInfo,
): HalfTolerance {
  const torch = info?.torchUlps;
  if (
    kind === 'grad' &&
    info?.dtype === 'bfloat16' &&
    typeof torch === 'number' &&
    TORCH_RELATIVE_GRAD.has(op)
  )
    return { ulps: TORCH_GRAD_FACTOR * torch + TORCH_GRAD_SLACK, rms: true };
  const stated = HALF_TOLERANCES[op]?.[kind];
  if (stated) return stated;
  if (kind === 'grad') return GRAD;
  if (float32.atol === EXACT.atol && float32.rtol === EXACT.rtol && !float32.perK) return HALF_EXACT;
  return float32.perK ? ACCUMULATED : ONE_ROUNDING;
}

/** How far `op` may be from PyTorch's own 16-bit CPU result (exact unless the table says). */
export function halfTorchTolerance(op: string): HalfTolerance {
  return HALF_TOLERANCES[op]?.torch ?? { ulps: 0 };
}

/** Mantissa bits (without the implicit one) and the exponent of the smallest normal value. */
const FORMAT: Record<HalfDType, { mant: number; minExp: number }> = {
  float16: { mant: 10, minExp: -14 },
  bfloat16: { mant: 7, minExp: -126 },
};

/** The spacing of `dtype` values at magnitude `x` (the subnormal spacing below the normals). */
export function ulpOf(dtype: HalfDType, x: number): number {
  const { mant, minExp } = FORMAT[dtype];
  const e = x > 0 ? Math.max(Math.floor(Math.log2(x)), minExp) : minExp;
  return 2 ** (e - mant);
}

/** Outcome of {@link compareHalf}, as compareTensor's. */
export interface HalfComparison {
  ok: boolean;
  /** Worst ulps / allowed ulps (0 when exact; Infinity for a NaN/inf mismatch or a wrong exact value). */
  ratio: number;
  message: string;
}

/**
 * Compare decoded 16-bit values with float64 references in ulps of `dtype`: NaN must match
 * NaN, infinities exactly, and with `signedZeros` a zero its sign.
 */
export function compareHalf(
  label: string,
  dtype: HalfDType,
  got: ArrayLike<number>,
  want: Float64Array,
  tol: HalfTolerance,
  signedZeros: boolean,
): HalfComparison {
  let floor = tol.rms ? rmsOf(want) : 0;
  if (tol.floor) {
    let big = 0;
    for (let i = 0; i < want.length; i++)
      if (Number.isFinite(want[i])) big = Math.max(big, Math.abs(want[i]));
    floor = Math.max(floor, tol.floor * big);
  }
  let worst = 0;
  let at = -1;
  let bad = 0;
  for (let i = 0; i < want.length; i++) {
    const e = want[i];
    const a = got[i];
    let ulps: number;
    if (!Number.isFinite(e)) ulps = (Number.isNaN(e) ? Number.isNaN(a) : a === e) ? 0 : Infinity;
    else if (signedZeros && e === 0 && a === 0) ulps = Object.is(e, -0) === Object.is(a, -0) ? 0 : Infinity;
    else {
      ulps = Math.abs(a - e) / ulpOf(dtype, Math.max(Math.abs(e), floor));
      if (Number.isNaN(ulps)) ulps = Infinity;
    }
    if (ulps > tol.ulps) bad++;
    if (ulps > worst || at < 0) {
      worst = ulps;
      at = i;
    }
  }
  const ratio = worst === 0 ? 0 : tol.ulps === 0 ? Infinity : worst / tol.ulps;
  const message =
    bad === 0
      ? `${label}: ok (worst ${worst.toFixed(3)} ulps of ${dtype}, allowed ${tol.ulps})`
      : `${label}: ${bad}/${want.length} elements beyond ${tol.ulps} ulps of ${dtype}${tol.rms ? ' (RMS floor)' : ''}${tol.floor ? ` (floor ${tol.floor} of the largest)` : ''};` +
        ` worst ${worst.toFixed(3)} ulps at flat index ${at}: expected ${want[at]}, got ${got[at]}`;
  return { ok: bad === 0, ratio, message };
}
