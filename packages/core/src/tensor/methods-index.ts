/**
 * Tensor methods of the scatter / advanced-indexing ops (ops/scatter.ts, ops/take.ts), added
 * through declaration merging as methods-extra.ts does. All are out-of-place: layers has no
 * public in-place ops, so PyTorch's `x.scatter_(d, i, s)` is `x = x.scatter(d, i, s)`.
 */
import * as R from '../ops/random.js';
import * as SC from '../ops/scatter.js';
import * as SE from '../ops/selection.js';
import type { ValuesIndices } from '../ops/sort.js';
import * as TK from '../ops/take.js';
import { Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    /** Write (or add / multiply in) `src` at `index` along `dim` ({@link scatter}). */
    scatter(dim: number, index: Tensor, src: Tensor | number, opts?: SC.ScatterOptions): Tensor;
    /** Reduce `src` into the positions `index` names along `dim` ({@link scatterReduce}). */
    scatterReduce(
      dim: number,
      index: Tensor,
      src: Tensor,
      reduce: SC.ScatterReduce,
      opts?: SC.ScatterReduceOptions,
    ): Tensor;
    /** Add `alpha * source` at the 1-D `index` along `dim` ({@link indexAdd}). */
    indexAdd(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor;
    /** Copy the slices of `source` to the 1-D `index` along `dim` ({@link indexCopy}). */
    indexCopy(dim: number, index: Tensor, source: Tensor): Tensor;
    /** Fill the 1-D `index` positions along `dim` with `value` ({@link indexFill}). */
    indexFill(dim: number, index: Tensor, value: number): Tensor;
    /** `this[indices] = values`, or `+=` with `accumulate` ({@link indexPut}). */
    indexPut(indices: readonly Tensor[], values: Tensor | number, opts?: TK.IndexPutOptions): Tensor;
    /** Fill the true positions of `mask` from `source` in order ({@link maskedScatter}). */
    maskedScatter(mask: Tensor, source: Tensor): Tensor;
    /** Elements at flat positions ({@link take}). */
    take(index: Tensor): Tensor;
    /** gather along `dim` with broadcasting ({@link takeAlongDim}). */
    takeAlongDim(indices: Tensor, dim?: number): Tensor;
    /** Coordinates of the nonzero elements, async ({@link nonzero}). */
    nonzero(opts: { asTuple: true }): Promise<Tensor[]>;
    /** Coordinates of the nonzero elements as [n, ndim], async ({@link nonzero}). */
    nonzero(opts?: { asTuple?: false }): Promise<Tensor>;
    /** The elements where `mask` is true as 1-D, async ({@link maskedSelect}). */
    maskedSelect(mask: Tensor): Promise<Tensor>;
    /** 0/1 draws with this tensor's probabilities, or `p` for each element ({@link bernoulli}). */
    bernoulli(p?: number): Tensor;
    /** Category indices drawn from this tensor's weights ({@link multinomial}). */
    multinomial(numSamples: number, opts?: R.MultinomialOptions): Tensor;
    /** Most frequent value along `dim` and its last index ({@link mode}). */
    mode(dim?: number, opts?: { keepdim?: boolean }): ValuesIndices;
    /** Distinct values, async ({@link unique}). */
    unique(opts?: SE.UniqueOptions): Promise<SE.UniqueResult>;
    /** Collapse consecutive repeats, async ({@link uniqueConsecutive}). */
    uniqueConsecutive(opts?: SE.UniqueOptions): Promise<SE.UniqueResult>;
  }
}

type Methods = { [K in keyof Tensor]?: (this: Tensor, ...args: never[]) => unknown };
const methods: Methods = {
  scatter(dim: number, index: Tensor, src: Tensor | number, opts?: SC.ScatterOptions) {
    return SC.scatter(this, dim, index, src, opts);
  },
  scatterReduce(
    dim: number,
    index: Tensor,
    src: Tensor,
    reduce: SC.ScatterReduce,
    opts?: SC.ScatterReduceOptions,
  ) {
    return SC.scatterReduce(this, dim, index, src, reduce, opts);
  },
  indexAdd(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }) {
    return SC.indexAdd(this, dim, index, source, opts);
  },
  indexCopy(dim: number, index: Tensor, source: Tensor) {
    return SC.indexCopy(this, dim, index, source);
  },
  indexFill(dim: number, index: Tensor, value: number) {
    return SC.indexFill(this, dim, index, value);
  },
  indexPut(indices: readonly Tensor[], values: Tensor | number, opts?: TK.IndexPutOptions) {
    return TK.indexPut(this, indices, values, opts);
  },
  maskedScatter(mask: Tensor, source: Tensor) {
    return TK.maskedScatter(this, mask, source);
  },
  take(index: Tensor) {
    return TK.take(this, index);
  },
  takeAlongDim(indices: Tensor, dim?: number) {
    return TK.takeAlongDim(this, indices, dim);
  },
  nonzero(opts?: TK.NonzeroOptions) {
    return opts?.asTuple ? TK.nonzero(this, { asTuple: true }) : TK.nonzero(this);
  },
  maskedSelect(mask: Tensor) {
    return TK.maskedSelect(this, mask);
  },
  bernoulli(p?: number) {
    return R.bernoulli(this, p);
  },
  multinomial(numSamples: number, opts?: R.MultinomialOptions) {
    return R.multinomial(this, numSamples, opts);
  },
  mode(dim?: number, opts?: { keepdim?: boolean }) {
    return SE.mode(this, dim, opts);
  },
  unique(opts?: SE.UniqueOptions) {
    return SE.unique(this, opts);
  },
  uniqueConsecutive(opts?: SE.UniqueOptions) {
    return SE.uniqueConsecutive(this, opts);
  },
};
Object.assign(Tensor.prototype, methods);
