/**
 * Fixture ops of family index-ops (tooling/fixtures/ops_indexing.py): the scatter family,
 * index_put, take, masked_scatter and the async nonzero / masked_select, with tolerances.
 */
import * as L from '@layers/core';
import type { Arg, OpFn } from '../ops.js';
import type { OpTolerance, Tolerance } from '../tolerances.js';

const T = (a: Arg): L.Tensor => a as L.Tensor;

const uniqueOpts = (at: Record<string, any>): L.UniqueOptions => ({
  returnInverse: at.returnInverse,
  returnCounts: at.returnCounts,
  dim: at.dim ?? undefined,
});
const uniqueOuts = (r: L.UniqueResult): L.Tensor[] =>
  [r.values, r.inverse, r.counts].filter((t): t is L.Tensor => t !== undefined);

/** Fixture-op mappings of the index-ops family. */
export const INDEX_OPS: Record<string, OpFn> = {
  scatter: (a, at) =>
    at.value === undefined
      ? L.scatter(T(a[0]), at.dim, T(a[1]), T(a[2]), { reduce: at.reduce })
      : T(a[0]).scatter(at.dim, T(a[1]), at.value),
  scatterReduce: (a, at) =>
    T(a[0]).scatterReduce(at.dim, T(a[1]), T(a[2]), at.reduce, { includeSelf: at.includeSelf }),
  indexAdd: (a, at) => T(a[0]).indexAdd(at.dim, T(a[1]), T(a[2]), { alpha: at.alpha }),
  indexCopy: (a, at) => L.indexCopy(T(a[0]), at.dim, T(a[1]), T(a[2])),
  indexFill: (a, at) => T(a[0]).indexFill(at.dim, T(a[1]), at.value),
  indexPut: (a, at) =>
    L.indexPut(T(a[0]), a.slice(1, -1) as L.Tensor[], T(a[a.length - 1]), { accumulate: at.accumulate }),
  take: (a) => T(a[0]).take(T(a[1])),
  takeAlongDim: (a, at) => L.takeAlongDim(T(a[0]), T(a[1]), at.dim ?? undefined),
  maskedScatter: (a) => T(a[0]).maskedScatter(T(a[1]), T(a[2])),
  maskedSelect: (a) => L.maskedSelect(T(a[0]), T(a[1])),
  mode: (a, at) => {
    const r = T(a[0]).mode(at.dim, { keepdim: at.keepdim });
    return [r.values, r.indices];
  },
  unique: async (a, at) => uniqueOuts(await L.unique(T(a[0]), uniqueOpts(at))),
  uniqueConsecutive: async (a, at) => uniqueOuts(await T(a[0]).uniqueConsecutive(uniqueOpts(at))),
  nonzero: (a, at) => (at.asTuple ? L.nonzero(T(a[0]), { asTuple: true }) : T(a[0]).nonzero()),
};

const EPS = 1.1920928955078125e-7;
const EXACT: Tolerance = { atol: 0, rtol: 0 };
/** Sums of the landing values (repeated indices): one rounding per term, in any order. */
const SUM: Tolerance = { atol: 0, rtol: 2 * EPS, perK: true };
const t = (float32: Tolerance, grad: Tolerance): OpTolerance => ({ float32, grad });

/** Per-op tolerances of the family. */
export const INDEX_OP_TOLERANCES: Record<string, OpTolerance> = {
  // Replacing and selecting ops move values; gradients are sums of the gathered pieces.
  ...Object.fromEntries(
    [
      'indexCopy',
      'indexFill',
      'take',
      'takeAlongDim',
      'maskedScatter',
      'maskedSelect',
      'nonzero',
      'mode',
      'unique',
      'uniqueConsecutive',
    ].map((op) => [op, t(EXACT, SUM)]),
  ),
  scatter: t(SUM, SUM),
  indexAdd: t(SUM, SUM),
  indexPut: t(SUM, SUM),
  // prod is exp(sum of log|v|): each log and the exp round relative to the O(1) logs, and mean
  // divides a sum; the fixture states the accumulation length.
  scatterReduce: t({ atol: 1e-7, rtol: 4 * EPS, perK: true }, { atol: 1e-7, rtol: 8 * EPS, perK: true }),
};
