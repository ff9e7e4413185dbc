/**
 * Tensor's view, shape, dtype/backend conversion and basic indexing methods (ops/view.ts,
 * ops/indexing.ts), declared and installed as methods-elementwise.ts's are. The `T` getter
 * stays in the class (a getter cannot be installed as a plain method).
 */
import type { Backend, DType } from '../backend/contract.js';
import * as I from '../ops/indexing.js';
import * as V from '../ops/view.js';
import type { Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    /** The same elements in a new shape (one entry may be -1); a view when the layout allows, else a copy. */
    reshape(shape: readonly number[]): Tensor;
    /** A view with a new shape (one entry may be -1); throws when the strides do not allow it (use reshape). */
    view(shape: readonly number[]): Tensor;
    /** Merge dims `startDim..endDim` (default all) into one; a view when possible. */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** Split dim `dim` into `sizes` (one may be -1); the inverse of flatten. */
    unflatten(dim: number, sizes: readonly number[]): Tensor;
    /** Remove size-1 dims: all of them, or only `dim` (one or a list) where it has size 1. */
    squeeze(dim?: number | number[]): Tensor;
    /** Insert a size-1 dim at `dim` (negative counts from the end of the result); a view. */
    unsqueeze(dim: number): Tensor;
    /** A broadcast view of this tensor as `shape` (size-1 dims repeat without copying; -1 keeps a dim). */
    expand(shape: readonly number[]): Tensor;
    /** {@link Tensor.expand} to `other`'s shape. */
    expandAs(other: Tensor): Tensor;
    /** A view with dims `dim0` and `dim1` swapped. */
    transpose(dim0: number, dim1: number): Tensor;
    /** A view with the dims reordered: result dim `i` is this tensor's dim `dims[i]`. */
    permute(dims: readonly number[]): Tensor;
    /** Transpose of a tensor of at most 2 dims (a view). */
    t(): Tensor;
    /** A view of `length` elements of `dim` from `start`. */
    narrow(dim: number, start: number, length: number): Tensor;
    /**
     * A view at `index` of `dim`, with that dim removed (like `x[:, index]`); negative indices count from the
     * end.
     */
    select(dim: number, index: number): Tensor;
    /**
     * A view of `dim` from `start` (inclusive) to `end` (exclusive) every `step`, like `x[start:end:step]`;
     * bounds clamp as in Python.
     */
    slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
    /** This tensor if it is contiguous, else a contiguous copy. */
    contiguous(): Tensor;
    /** A copy with its own storage, recorded by autograd (gradients flow back). */
    clone(): Tensor;
    /** A view sharing storage that autograd does not track (no grad). */
    detach(): Tensor;
    /** A copy converted to `dtype` (this tensor when it already has it). */
    cast(dtype: DType): Tensor;
    /**
     * Convert to another dtype, or move to another backend, or both (`{ dtype, backend }`), as
     * PyTorch's `t.to(dtype)` / `t.to(device, dtype)`. This tensor when nothing changes.
     */
    to(target: DType | Backend | { dtype?: DType; backend?: Backend }): Tensor;
    /** Convert to float16 (round to nearest even; torch's `t.half()`). */
    half(): Tensor;
    /** Convert to bfloat16 (round to nearest even). */
    bfloat16(): Tensor;
    /** Convert to float32. */
    float(): Tensor;
    /** Convert to int32 (truncating toward zero). */
    int(): Tensor;
    /** Convert to bool (non-zero is true). */
    bool(): Tensor;
    /**
     * Values along `dim` at the int32 positions of `index` (torch.gather): `out[i][j] = this[index[i][j]][j]`
     * for `dim` 0.
     */
    gather(dim: number, index: Tensor): Tensor;
    /** The entries of `dim` at the positions of a 1-d int32 `index`, in that order. */
    indexSelect(dim: number, index: Tensor): Tensor;
    /** A copy of this tensor with `src` added at the positions of `index` along `dim` (torch.scatter_add). */
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    /**
     * Split along `dim` into pieces of `splitSizeOrSections` elements (the last may be smaller), or of the
     * listed sizes; views.
     */
    split(splitSizeOrSections: number | number[], dim?: number): Tensor[];
    /** Split along `dim` into `chunks` nearly equal pieces (views), as torch.chunk. */
    chunk(chunks: number, dim?: number): Tensor[];
  }
}

/** @internal The implementations, typed by the declarations above. */
export const viewMethods = {
  reshape(shape) {
    return V.reshape(this, shape);
  },
  view(shape) {
    return V.view(this, shape);
  },
  flatten(startDim = 0, endDim = -1) {
    return V.flatten(this, startDim, endDim);
  },
  unflatten(dim, sizes) {
    return V.unflatten(this, dim, sizes);
  },
  squeeze(dim) {
    return V.squeeze(this, dim);
  },
  unsqueeze(dim) {
    return V.unsqueeze(this, dim);
  },
  expand(shape) {
    return V.expand(this, shape);
  },
  expandAs(other) {
    return V.expand(this, other.shape);
  },
  transpose(dim0, dim1) {
    return V.transpose(this, dim0, dim1);
  },
  permute(dims) {
    return V.permute(this, dims);
  },
  t() {
    return V.t(this);
  },
  narrow(dim, start, length) {
    return V.narrow(this, dim, start, length);
  },
  select(dim, index) {
    return V.select(this, dim, index);
  },
  slice(dim, start, end, step = 1) {
    return V.slice(this, dim, start, end, step);
  },
  contiguous() {
    return V.contiguous(this);
  },
  clone() {
    return V.clone(this);
  },
  detach() {
    return V.detach(this);
  },
  cast(dtype) {
    return V.cast(this, dtype);
  },
  to(target) {
    if (typeof target === 'string') return V.cast(this, target);
    if ('name' in target) return V.toBackend(this, target as Backend);
    const { dtype, backend } = target as { dtype?: DType; backend?: Backend };
    const moved = backend ? V.toBackend(this, backend) : this;
    if (!dtype) return moved;
    const out = V.cast(moved, dtype);
    if (moved !== this && moved !== out) moved.dispose();
    return out;
  },
  half() {
    return V.cast(this, 'float16');
  },
  bfloat16() {
    return V.cast(this, 'bfloat16');
  },
  float() {
    return V.cast(this, 'float32');
  },
  int() {
    return V.cast(this, 'int32');
  },
  bool() {
    return V.cast(this, 'bool');
  },
  gather(dim, index) {
    return I.gather(this, dim, index);
  },
  indexSelect(dim, index) {
    return I.indexSelect(this, dim, index);
  },
  scatterAdd(dim, index, src) {
    return I.scatterAdd(this, dim, index, src);
  },
  split(splitSizeOrSections, dim = 0) {
    return I.split(this, splitSizeOrSections, dim);
  },
  chunk(chunks, dim = 0) {
    return I.chunk(this, chunks, dim);
  },
} satisfies Partial<Tensor> & ThisType<Tensor>;
