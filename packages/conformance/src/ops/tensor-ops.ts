/**
 * Fixture ops of family tensor-ops (tooling/fixtures/ops_tensor.py): scans, rearranging and
 * pointwise compositions of the second parity round, with their tolerances.
 */
import * as L from '@layers/core';
import { decodeNumber } from '../fixtures.js';
import type { Arg, OpFn } from '../ops.js';
import type { OpTolerance, Tolerance } from '../tolerances.js';

type Attrs = Record<string, any>;
const T = (a: Arg): L.Tensor => a as L.Tensor;
const pair = (r: { values: L.Tensor; indices: L.Tensor }): L.Tensor[] => [r.values, r.indices];

export const TENSOR_OPS: Record<string, OpFn> = {
  cumsum: (a, at) => L.cumsum(T(a[0]), at.dim),
  cumprod: (a, at) => T(a[0]).cumprod(at.dim),
  logcumsumexp: (a, at) => L.logcumsumexp(T(a[0]), at.dim),
  cummax: (a, at) => pair(T(a[0]).cummax(at.dim)),
  cummin: (a, at) => pair(L.cummin(T(a[0]), at.dim)),
  flip: (a, at) => T(a[0]).flip(at.dims),
  roll: (a, at) => L.roll(T(a[0]), at.shifts, at.dims ?? undefined),
  repeat: (a, at) => T(a[0]).repeat(at.sizes),
  tile: (a, at) => L.tile(T(a[0]), at.reps),
  repeatInterleave: (a, at) => T(a[0]).repeatInterleave(at.repeats, at.dim ?? undefined),
  tril: (a, at) => T(a[0]).tril(at.diagonal),
  triu: (a, at) => L.triu(T(a[0]), at.diagonal),
  diagonal: (a, at) => L.diagonal(T(a[0]), { offset: at.offset, dim1: at.dim1, dim2: at.dim2 }),
  diag: (a, at) => T(a[0]).diag(at.diagonal),
  trace: (a) => T(a[0]).trace(),
  meshgrid: (a, at) => L.meshgrid(a[0] as L.Tensor[], { indexing: at.indexing }),
  movedim: (a, at) => T(a[0]).movedim(at.source, at.destination),
  swapaxes: (a, at) => L.swapaxes(T(a[0]), at.axis0, at.axis1),
  unbind: (a, at) => T(a[0]).unbind(at.dim),
  tensorSplit: (a, at) => L.tensorSplit(T(a[0]), at.indicesOrSections, at.dim),
  outer: (a) => T(a[0]).outer(T(a[1])),
  dot: (a) => L.dot(T(a[0]), T(a[1])),
  addmm: (a, at) => L.addmm(T(a[0]), T(a[1]), T(a[2]), { beta: at.beta, alpha: at.alpha }),
  baddbmm: (a, at) => L.baddbmm(T(a[0]), T(a[1]), T(a[2]), { beta: at.beta, alpha: at.alpha }),
  addcmul: (a, at) => T(a[0]).addcmul(T(a[1]), T(a[2]), { value: at.value }),
  addcdiv: (a, at) => L.addcdiv(T(a[0]), T(a[1]), T(a[2]), { value: at.value }),
  lerp: (a, at: Attrs) => T(a[0]).lerp(T(a[1]), a[2] === undefined ? at.weight : T(a[2])),
  hypot: (a) => T(a[0]).hypot(T(a[1])),
  logaddexp: (a) => L.logaddexp(T(a[0]), T(a[1])),
  xlogy: (a) => T(a[0]).xlogy(T(a[1])),
  nanToNum: (a, at) => T(a[0]).nanToNum({ nan: at.nan, posinf: at.posinf, neginf: at.neginf }),
  isinf: (a) => T(a[0]).isinf(),
  isfinite: (a) => L.isfinite(T(a[0])),
  clampMin: (a, at) => T(a[0]).clampMin(at.min),
  clampMax: (a, at) => L.clampMax(T(a[0]), at.max),
  sort: (a, at) => pair(T(a[0]).sort({ dim: at.dim, descending: at.descending })),
  argsort: (a, at) => L.argsort(T(a[0]), { dim: at.dim }),
  msort: (a) => T(a[0]).msort(),
  topk: (a, at) => pair(T(a[0]).topk(at.k, { dim: at.dim, largest: at.largest })),
  kthvalue: (a, at) => pair(L.kthvalue(T(a[0]), at.k, at.dim, { keepdim: at.keepdim })),
  median: (a, at) =>
    at.dim === undefined ? T(a[0]).median() : pair(L.median(T(a[0]), at.dim, { keepdim: at.keepdim })),
  searchsorted: (a, at) => L.searchsorted(T(a[0]), T(a[1]), { right: at.right }),
  bucketize: (a, at) => L.bucketize(T(a[0]), T(a[1]), { right: at.right }),
  einsum: (a, at) => L.einsum(at.equation, ...(a[0] as L.Tensor[])),
  vectorNorm: (a, at) =>
    L.linalg.vectorNorm(T(a[0]), decodeNumber(at.ord), { dim: at.dim, keepdim: at.keepdim }),
  matrixNorm: (a, at) => L.linalg.matrixNorm(T(a[0]), at.ord === 'fro' ? 'fro' : decodeNumber(at.ord)),
  norm: (a, at) => T(a[0]).norm(at.p, at.dim),
  cosineSimilarity: (a, at) => L.cosineSimilarity(T(a[0]), T(a[1]), { dim: at.dim }),
  pairwiseDistance: (a, at) => L.pairwiseDistance(T(a[0]), T(a[1]), { p: at.p, keepdim: at.keepdim }),
  cdist: (a, at) => L.cdist(T(a[0]), T(a[1]), { p: at.p }),
};

const EPS = 1.1920928955078125e-7;
const EXACT: Tolerance = { atol: 0, rtol: 0 };
const ROUNDED: Tolerance = { atol: 0, rtol: EPS };
/** A tree of n - 1 roundings: the sequential bound n * eps is loose for it but safe. */
const SCAN: Tolerance = { atol: 0, rtol: 2 * EPS, perK: true };
const FEW: Tolerance = { atol: 1e-7, rtol: 4 * EPS };
const CHAIN: Tolerance = { atol: 1e-6, rtol: 16 * EPS };
const t = (float32: Tolerance, grad: Tolerance): OpTolerance => ({ float32, grad });

/** Per-op tolerances of the family (see tolerances.ts for the reasoning of each class). */
export const TENSOR_OP_TOLERANCES: Record<string, OpTolerance> = {
  cumsum: t(SCAN, SCAN),
  cumprod: t(SCAN, { atol: 1e-7, rtol: 4 * EPS, perK: true }),
  logcumsumexp: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 8 * EPS, perK: true }),
  // Values and indices are selected, never computed; their gradients are scatters.
  cummax: t(EXACT, SCAN),
  // Sorting and selection move values: exact; gradients are scatters of single elements.
  ...Object.fromEntries(
    ['sort', 'argsort', 'msort', 'topk', 'kthvalue', 'median', 'searchsorted', 'bucketize'].map((op) => [
      op,
      t(EXACT, EXACT),
    ]),
  ),
  cummin: t(EXACT, SCAN),
  ...Object.fromEntries(
    [
      'flip',
      'roll',
      'tril',
      'triu',
      'diagonal',
      'diag',
      'movedim',
      'swapaxes',
      'unbind',
      'tensorSplit',
      'nanToNum',
      'isinf',
      'isfinite',
      'clampMin',
      'clampMax',
      // Gradients of overlapping selections add up (tensorSplit at unordered indices).
    ].map((op) => [op, t(EXACT, SCAN)]),
  ),
  // Expanded copies: forward exact, gradients sum the copies.
  ...Object.fromEntries(['repeat', 'tile', 'repeatInterleave', 'meshgrid'].map((op) => [op, t(EXACT, SCAN)])),
  trace: t(SCAN, EXACT),
  outer: t(ROUNDED, SCAN),
  dot: t(SCAN, ROUNDED),
  addmm: t(SCAN, SCAN),
  baddbmm: t(SCAN, SCAN),
  // Two roundings whose sum may cancel: the error is relative to the O(1) terms, not the result.
  addcmul: t(FEW, SCAN),
  addcdiv: t(FEW, { atol: 1e-7, rtol: 4 * EPS, perK: true }),
  lerp: t({ atol: 1e-7, rtol: 2 * EPS }, { atol: 1e-7, rtol: 2 * EPS }),
  hypot: t(FEW, FEW),
  logaddexp: t(FEW, FEW),
  xlogy: t(FEW, CHAIN),
  // Contractions and norms: sums over the stated accumulation length.
  einsum: t(SCAN, SCAN),
  vectorNorm: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 8 * EPS, perK: true }),
  matrixNorm: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 8 * EPS, perK: true }),
  norm: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 8 * EPS, perK: true }),
  cosineSimilarity: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 8 * EPS, perK: true }),
  pairwiseDistance: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 8 * EPS, perK: true }),
  cdist: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 8 * EPS, perK: true }),
};
