/**
 * Tensor methods of the second round of PyTorch parity (scans, rearranging, pointwise
 * compositions), added to the class through declaration merging so tensor.ts stays the
 * size of its first round. The package marks this module as having side effects, so a
 * bundler keeps it.
 */
import * as N from '../ops/norms.js';
import * as P from '../ops/pointwise.js';
import * as RA from '../ops/rearrange.js';
import * as S from '../ops/scan.js';
import * as SO from '../ops/sort.js';
import { Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    /** Running sums along `dim` ({@link cumsum}). */
    cumsum(dim: number): Tensor;
    /** Running products along `dim` ({@link cumprod}). */
    cumprod(dim: number): Tensor;
    /** Running maximum along `dim` and its indices ({@link cummax}). */
    cummax(dim: number): S.CumExtreme;
    /** Running minimum along `dim` and its indices ({@link cummin}). */
    cummin(dim: number): S.CumExtreme;
    /** log of running sums of exp along `dim` ({@link logcumsumexp}). */
    logcumsumexp(dim: number): Tensor;
    /** Reverse along `dims` ({@link flip}). */
    flip(dims: number | readonly number[]): Tensor;
    /** Shift with wrap-around ({@link roll}). */
    roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor;
    /** Tile `sizes[i]` times along dim i ({@link repeat}). */
    repeat(sizes: readonly number[]): Tensor;
    /** {@link tile}. */
    tile(reps: readonly number[]): Tensor;
    /** Repeat each element ({@link repeatInterleave}). */
    repeatInterleave(repeats: number | readonly number[], dim?: number): Tensor;
    /** Lower triangle of the last two dims ({@link tril}). */
    tril(diagonal?: number): Tensor;
    /** Upper triangle of the last two dims ({@link triu}). */
    triu(diagonal?: number): Tensor;
    /** A view of a diagonal ({@link diagonal}). */
    diagonal(opts?: RA.DiagonalOptions): Tensor;
    /** Matrix from a vector or vector from a matrix ({@link diag}). */
    diag(diagonal?: number): Tensor;
    /** Sum of the main diagonal of a matrix ({@link trace}). */
    trace(): Tensor;
    /** Move dims to new positions ({@link movedim}). */
    movedim(source: number | readonly number[], destination: number | readonly number[]): Tensor;
    /** Transpose two dims ({@link swapaxes}). */
    swapaxes(axis0: number, axis1: number): Tensor;
    /** The slices along `dim` ({@link unbind}). */
    unbind(dim?: number): Tensor[];
    /** Split into sections or at indices ({@link tensorSplit}). */
    tensorSplit(indicesOrSections: number | readonly number[], dim?: number): Tensor[];
    /** Outer product with a 1-D tensor ({@link outer}). */
    outer(other: Tensor): Tensor;
    /** Inner product with a 1-D tensor ({@link dot}). */
    dot(other: Tensor): Tensor;
    /** this + value * t1 * t2 ({@link addcmul}). */
    addcmul(t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor;
    /** this + value * t1 / t2 ({@link addcdiv}). */
    addcdiv(t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor;
    /** Linear interpolation towards `end` ({@link lerp}). */
    lerp(end: Tensor, weight: Tensor | number): Tensor;
    /** sqrt(this^2 + other^2) ({@link hypot}). */
    hypot(other: Tensor): Tensor;
    /** log(exp(this) + exp(other)) ({@link logaddexp}). */
    logaddexp(other: Tensor): Tensor;
    /** this * log(other), 0 where this is 0 ({@link xlogy}). */
    xlogy(other: Tensor | number): Tensor;
    /** Replace NaN and infinities ({@link nanToNum}). */
    nanToNum(opts?: P.NanToNumOptions): Tensor;
    /** Where the element is ±Infinity ({@link isinf}). */
    isinf(): Tensor;
    /** Where the element is finite ({@link isfinite}). */
    isfinite(): Tensor;
    /** max(this, min) ({@link clampMin}). */
    clampMin(min: number): Tensor;
    /** min(this, max) ({@link clampMax}). */
    clampMax(max: number): Tensor;
    /** Stable sort along a dim, values and indices ({@link sort}). */
    sort(opts?: SO.SortOptions): SO.ValuesIndices;
    /** Indices that sort along a dim ({@link argsort}). */
    argsort(opts?: SO.SortOptions): Tensor;
    /** Sorted along dim 0 ({@link msort}). */
    msort(): Tensor;
    /** The k largest or smallest along a dim ({@link topk}). */
    topk(k: number, opts?: SO.TopkOptions): SO.ValuesIndices;
    /** The k-th smallest along a dim ({@link kthvalue}). */
    kthvalue(k: number, dim?: number, opts?: SO.SelectOptions): SO.ValuesIndices;
    /** A vector norm over `dim` (default all) ({@link norm}). */
    norm(p?: number | 'fro', dim?: number | readonly number[] | null, opts?: { keepdim?: boolean }): Tensor;
    /** The lower median of all elements ({@link median}). */
    median(): Tensor;
    /** The lower median along `dim` and its index ({@link median}). */
    median(dim: number, opts?: SO.SelectOptions): SO.ValuesIndices;
  }
}

type Methods = { [K in keyof Tensor]?: (this: Tensor, ...args: never[]) => unknown };
const methods: Methods = {
  cumsum(dim: number) {
    return S.cumsum(this, dim);
  },
  cumprod(dim: number) {
    return S.cumprod(this, dim);
  },
  cummax(dim: number) {
    return S.cummax(this, dim);
  },
  cummin(dim: number) {
    return S.cummin(this, dim);
  },
  logcumsumexp(dim: number) {
    return S.logcumsumexp(this, dim);
  },
  flip(dims: number | readonly number[]) {
    return RA.flip(this, dims);
  },
  roll(shifts: number | readonly number[], dims?: number | readonly number[]) {
    return RA.roll(this, shifts, dims);
  },
  repeat(sizes: readonly number[]) {
    return RA.repeat(this, sizes);
  },
  tile(reps: readonly number[]) {
    return RA.tile(this, reps);
  },
  repeatInterleave(repeats: number | readonly number[], dim?: number) {
    return RA.repeatInterleave(this, repeats, dim);
  },
  tril(diagonal?: number) {
    return RA.tril(this, diagonal);
  },
  triu(diagonal?: number) {
    return RA.triu(this, diagonal);
  },
  diagonal(opts?: RA.DiagonalOptions) {
    return RA.diagonal(this, opts);
  },
  diag(diagonal?: number) {
    return RA.diag(this, diagonal);
  },
  trace() {
    return RA.trace(this);
  },
  movedim(source: number | readonly number[], destination: number | readonly number[]) {
    return RA.movedim(this, source, destination);
  },
  swapaxes(axis0: number, axis1: number) {
    return RA.swapaxes(this, axis0, axis1);
  },
  unbind(dim?: number) {
    return RA.unbind(this, dim);
  },
  tensorSplit(indicesOrSections: number | readonly number[], dim?: number) {
    return RA.tensorSplit(this, indicesOrSections, dim);
  },
  outer(other: Tensor) {
    return P.outer(this, other);
  },
  dot(other: Tensor) {
    return P.dot(this, other);
  },
  addcmul(t1: Tensor, t2: Tensor, opts?: { value?: number }) {
    return P.addcmul(this, t1, t2, opts);
  },
  addcdiv(t1: Tensor, t2: Tensor, opts?: { value?: number }) {
    return P.addcdiv(this, t1, t2, opts);
  },
  lerp(end: Tensor, weight: Tensor | number) {
    return P.lerp(this, end, weight);
  },
  hypot(other: Tensor) {
    return P.hypot(this, other);
  },
  logaddexp(other: Tensor) {
    return P.logaddexp(this, other);
  },
  xlogy(other: Tensor | number) {
    return P.xlogy(this, other);
  },
  nanToNum(opts?: P.NanToNumOptions) {
    return P.nanToNum(this, opts);
  },
  isinf() {
    return P.isinf(this);
  },
  isfinite() {
    return P.isfinite(this);
  },
  clampMin(min: number) {
    return P.clampMin(this, min);
  },
  clampMax(max: number) {
    return P.clampMax(this, max);
  },
  sort(opts?: SO.SortOptions) {
    return SO.sort(this, opts);
  },
  argsort(opts?: SO.SortOptions) {
    return SO.argsort(this, opts);
  },
  norm(p?: number | 'fro', dim?: number | readonly number[] | null, opts?: { keepdim?: boolean }) {
    return N.norm(this, p, dim, opts);
  },
  msort() {
    return SO.msort(this);
  },
  topk(k: number, opts?: SO.TopkOptions) {
    return SO.topk(this, k, opts);
  },
  kthvalue(k: number, dim?: number, opts?: SO.SelectOptions) {
    return SO.kthvalue(this, k, dim, opts);
  },
  median(dim?: number, opts?: SO.SelectOptions) {
    return dim === undefined ? SO.median(this) : SO.median(this, dim, opts);
  },
};
Object.assign(Tensor.prototype, methods);
