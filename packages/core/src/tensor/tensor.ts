import { type BackwardOptions, backwardWith } from '../autograd/grad.js';
import { Node } from '../autograd/node.js';
import type { Backend, DType, TypedArray, View } from '../backend/contract.js';
import * as E from '../ops/elementwise.js';
import * as I from '../ops/indexing.js';
import * as K from '../ops/kernel.js';
import * as LA from '../ops/linalg.js';
import * as R from '../ops/reduce.js';
import * as V from '../ops/view.js';
import { noteEscaped, noteReclaimed, yieldToFinalizers } from './collect.js';
import { drainChecks } from './deferred-checks.js';
import { bytesPerElement, isFloat } from './dtype.js';
import { decodeHalf, isHalf } from './half.js';
import { forgetTensor, setEscapeHook, setTensorCheck, trackTensor, untrackTensor } from './scope.js';
import { contiguousStrides, isContiguous, numel } from './shape.js';
import { type MemoryStats, type Storage, statsFor } from './storage.js';

/** What the garbage-collection safety net needs to free a handle; never points at the Tensor. */
interface HandleState {
  storage: Storage;
  node: Node | null;
  stats: MemoryStats;
  disposed: boolean;
  /** In the finalization registry (tensors inside a tidy scope join when they leave it). */
  registered: boolean;
  /** Bytes of the storage when it joined the registry (for the collection budget). */
  bytes: number;
}

function releaseHandle(h: HandleState): void {
  if (h.disposed) return;
  h.disposed = true;
  if (h.registered) noteReclaimed(h.bytes);
  h.stats.tensors--;
  h.storage.drop();
  if (h.node) h.node.decRef();
  h.node = null;
}

// Safety net: a tensor the program dropped without dispose() frees its memory when collected.
// A finalizer must never throw (it would surface as an uncaught exception far from any
// user code), e.g. when the backend was destroyed before the garbage collector ran.
const finalizer = new FinalizationRegistry<HandleState>((h) => {
  try {
    releaseHandle(h);
  } catch {
    // The memory is gone with its backend.
  }
});

let nextId = 0;

/**
 * The other operand of a binary op: a tensor, or a JavaScript number or boolean (a scalar that broadcasts).
 */
export type Other = Tensor | number | boolean;
/** Option of the reductions. */
export interface KeepDim {
  /** Keep each reduced dimension as size 1 (default false: drop it). */
  keepdim?: boolean;
}

/**
 * An n-dimensional array on one backend, with autograd, like `torch.Tensor`.
 *
 * Create tensors with {@link tensor}, {@link zeros}, {@link randn} and the other creation
 * functions; views (`reshape`, `transpose`, `narrow`, ...) share storage. Every op returns a
 * new tensor (there are no in-place ops besides {@link Tensor.requiresGrad_}). Free memory
 * with {@link Tensor.dispose}, `using`, or {@link tidy}. Read values back with
 * `await t.data()`.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.matmul(x.T).sum();
 * y.backward();
 * await x.grad!.toArray(); // [[8, 12], [8, 12]]: 2 * column sums
 * x.shape;                 // [2, 2]
 * ```
 */
export class Tensor {
  /** A process-wide unique number, for debugging and maps keyed by tensor. */
  readonly id = nextId++;
  /** @internal */ _h: HandleState;
  private _requiresGrad = false;
  private _grad: Tensor | null = null;
  private _accum: Node | null = null;

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(
    storage: Storage,
    /** Size of each dimension, e.g. `[N, C, H, W]`; `[]` for a scalar. */
    readonly shape: readonly number[],
    /** Elements to step in storage per index of each dimension (views change these). */
    readonly strides: readonly number[],
    /** Position of the first element in storage, in elements. */
    readonly offset: number,
    track = true,
  ) {
    storage.retain();
    const stats = statsFor(storage.backend);
    stats.tensors++;
    this._h = { storage, node: null, stats, disposed: false, registered: false, bytes: 0 };
    if (!(track && trackTensor(this))) this._register();
  }

  /** @internal Join the garbage-collection safety net (once, while alive). */
  _register(): void {
    if (this._h.registered || this._h.disposed) return;
    this._h.registered = true;
    const s = this._h.storage;
    this._h.bytes = s.size * bytesPerElement(s.dtype);
    finalizer.register(this, this._h, this);
    noteEscaped(this._h.bytes);
  }

  /** Element type: `float32`, `float16`, `bfloat16`, `int32` or `bool`. */
  get dtype(): DType {
    return this._h.storage.dtype;
  }
  /** The backend whose memory holds this tensor. */
  get backend(): Backend {
    return this._h.storage.backend;
  }
  /** Number of dimensions (`shape.length`). */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements (torch's numel()). */
  get size(): number {
    return numel(this.shape);
  }
  /** Number of elements, as a method (torch's `numel()`); same as {@link Tensor.size}. */
  numel(): number {
    return this.size;
  }
  /** Number of dimensions (torch's `dim()`); same as {@link Tensor.ndim}. */
  dim(): number {
    return this.shape.length;
  }
  /** True once {@link Tensor.dispose} was called; any op on it then throws. */
  get isDisposed(): boolean {
    return this._h.disposed;
  }
  /** True when the elements are laid out row-major without gaps (strides of a fresh tensor). */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  // ---- autograd ----------------------------------------------------------------------

  /** Whether autograd records ops on this tensor (true for parameters and for results of ops on them). */
  get requiresGrad(): boolean {
    return this._h.node !== null || this._requiresGrad;
  }
  /** Same as {@link Tensor.requiresGrad_}. */
  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }
  /**
   * Set {@link Tensor.requiresGrad} on a leaf tensor, in place, and return it. Throws on a
   * non-leaf (use `detach()`) or a non-float dtype.
   */
  requiresGrad_(value = true): this {
    if (this._h.node !== null && !value) {
      throw new Error(
        'requiresGrad: you can only change requiresGrad flags of leaf tensors. Use detach() to get a tensor without grad.',
      );
    }
    if (value && !isFloat(this.dtype)) {
      throw new TypeError(`requiresGrad: only float tensors can require gradients, got ${this.dtype}`);
    }
    this._requiresGrad = value;
    return this;
  }
  /** True for tensors not produced by a recorded op (user-created tensors and parameters). */
  get isLeaf(): boolean {
    return this._h.node === null;
  }
  /** Name of the op that produced this tensor, or null for a leaf. */
  get gradFn(): string | null {
    return this._h.node?.name ?? null;
  }
  /** The gradient accumulated by {@link Tensor.backward}, or null. Same shape as this tensor. */
  get grad(): Tensor | null {
    return this._grad;
  }
  /** Assigning a gradient keeps it out of tidy scopes: it belongs to this tensor now. */
  set grad(g: Tensor | null) {
    if (g === this._grad) return;
    this._grad?.dispose();
    if (g) untrackTensor(g);
    this._grad = g;
  }
  /**
   * Compute the gradient of this tensor with respect to every leaf that requires grad (or
   * only `inputs`) and add it to their `.grad`. `grad` defaults to ones for a one-element
   * tensor and is required otherwise (same shape). The graph is freed afterwards unless
   * `retainGraph` (default: `createGraph`). With `createGraph` the added gradients carry a
   * graph of their own (a gradFn), so they can be differentiated again; see `autograd.grad`.
   */
  backward(grad?: Tensor, options: BackwardOptions = {}): void {
    backwardWith(this, grad, options);
  }
  /** @internal The node a gradient for this tensor flows into. */
  _gradEdge(): Node {
    if (this._h.node) return this._h.node;
    this._accum ??= new Node('AccumulateGrad', [], [], null, this);
    return this._accum;
  }
  /** @internal */
  _node(): Node | null {
    return this._h.node;
  }
  /** @internal */
  _setNode(node: Node): void {
    node.refs++;
    this._h.node?.decRef();
    this._h.node = node;
  }

  // ---- memory ------------------------------------------------------------------------

  /** Free this handle; the memory goes back when no other view or saved tensor uses it. */
  dispose(): void {
    if (this._h.disposed) return;
    if (this._h.registered) finalizer.unregister(this);
    forgetTensor(this);
    releaseHandle(this._h);
    if (this._grad) {
      this._grad.dispose();
      this._grad = null;
    }
  }
  /** Same as {@link Tensor.dispose}, so `using t = ...` frees it at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }
  /**
   * @internal A new handle on the same storage and layout, without grad: untracked (for
   * autograd's saved tensors), or `track`ed by the open tidy scope like any op's result.
   */
  _alias(track = false): Tensor {
    this._check('backward');
    return new Tensor(this._h.storage, this.shape, this.strides, this.offset, track);
  }
  /** @internal A contiguous copy, outside autograd. */
  contiguousCopy(): Tensor {
    return V.contiguousCopy(this);
  }
  /** @internal Ones of this shape and dtype. */
  _onesLike(): Tensor {
    // A fresh tensor filled once (copying this first was a wasted kernel per backward()).
    const t = K.empty(this.shape, this.dtype, this.backend);
    if (t.size > 0) this.backend.fill(t._view(), 1);
    return t;
  }
  /** @internal this += src, in place (gradient accumulation). */
  _addInPlace(src: Tensor): void {
    E.addInPlace(this, src);
  }
  /** @internal True when this handle alone uses its whole, contiguous storage. */
  _ownsStorage(): boolean {
    const s = this._h.storage;
    return s.refs === 1 && this.offset === 0 && this.size === s.size && this.isContiguous();
  }
  /** @internal Throws the "disposed" error when this handle was disposed. */
  _check(op: string): void {
    if (this._h.disposed) {
      throw new Error(
        `${op}: Tensor was disposed (shape [${this.shape.join(', ')}], ${this.dtype}) and can no longer be used`,
      );
    }
  }
  /** @internal */
  get _storage(): Storage {
    return this._h.storage;
  }
  /** @internal The kernel-facing description of this tensor. */
  _view(op = 'op'): View {
    this._check(op);
    return {
      buffer: this._h.storage.buffer,
      dtype: this._h.storage.dtype,
      shape: this.shape,
      strides: this.strides,
      offset: this.offset,
    };
  }
  /**
   * @internal Replace this handle's contents with `src`'s storage and layout (used by
   * optimizers and in-place updates of parameters). `src` is consumed.
   */
  _assign(src: Tensor): void {
    this._check('assign');
    src._check('assign');
    const storage = src._h.storage;
    storage.retain();
    this._h.storage.drop();
    this._h.storage = storage;
    const stats = statsFor(storage.backend);
    if (stats !== this._h.stats) {
      this._h.stats.tensors--;
      stats.tensors++;
      this._h.stats = stats;
    }
    (this as { shape: readonly number[] }).shape = src.shape;
    (this as { strides: readonly number[] }).strides = src.strides;
    (this as { offset: number }).offset = src.offset;
    src.dispose();
  }

  // ---- readback ----------------------------------------------------------------------

  /**
   * Copy the values out, in row-major order, as a typed array of this dtype (float16 and
   * bfloat16: a `Uint16Array` of bit patterns; `toArray()` gives numbers). The read owns
   * its memory from the call on: `dispose()` while it is pending frees the buffer only once
   * the read completes.
   */
  async data(): Promise<TypedArray> {
    this._check('data');
    const c = this.isContiguous() && this.offset === 0 ? this : V.contiguousCopy(this);
    const storage = c._h.storage;
    storage.retain();
    if (c !== this) c.dispose();
    try {
      await drainChecks();
      return await storage.backend.read(storage.buffer, storage.dtype, this.size);
    } finally {
      storage.drop();
      await yieldToFinalizers();
    }
  }
  /** Synchronous readback, only on backends that can honour it (CPU, WASM). */
  dataSync(): TypedArray {
    this._check('dataSync');
    if (!this.backend.readSync) {
      throw new Error(
        `dataSync: the ${this.backend.name} backend reads back asynchronously; use \`await t.data()\` instead`,
      );
    }
    const c = this.isContiguous() && this.offset === 0 ? this : V.contiguousCopy(this);
    try {
      return c.backend.readSync!(c._h.storage.buffer, c.dtype, c.size);
    } finally {
      if (c !== this) c.dispose();
    }
  }
  /** The values as nested JavaScript arrays of this tensor's shape (a bare number or boolean for 0-d). */
  async toArray(): Promise<unknown> {
    return nest(await this.data(), this.shape, this.dtype);
  }
  /** Synchronous {@link Tensor.toArray}; only on backends that read synchronously (CPU, WASM). */
  arraySync(): unknown {
    return nest(this.dataSync(), this.shape, this.dtype);
  }
  /** The single value of a one-element tensor. */
  async item(): Promise<number | boolean> {
    if (this.size !== 1) {
      throw new RangeError(`item: a Tensor with ${this.size} elements cannot be converted to a scalar`);
    }
    const d = await this.data();
    if (isHalf(this.dtype)) return decodeHalf(this.dtype, d)[0];
    return this.dtype === 'bool' ? d[0] !== 0 : d[0];
  }
  /** Shape, dtype and backend (not the values, which need an asynchronous read). */
  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, backend=${this.backend.name}${
      this._h.disposed ? ', disposed' : ''
    })`;
  }

  // ---- elementwise -------------------------------------------------------------------
  /** `this + o` elementwise, broadcasting; dtypes promote as in PyTorch. */
  add(o: Other): Tensor {
    return E.add(this, o);
  }
  /** `this - o` elementwise, broadcasting. */
  sub(o: Other): Tensor {
    return E.sub(this, o);
  }
  /** `this * o` elementwise, broadcasting. */
  mul(o: Other): Tensor {
    return E.mul(this, o);
  }
  /** `this / o` elementwise, broadcasting; true division (integers give float32). */
  div(o: Other): Tensor {
    return E.div(this, o);
  }
  /** `this ** o` elementwise, broadcasting. */
  pow(o: Other): Tensor {
    return E.pow(this, o);
  }
  /** Elementwise maximum of this and `o`, broadcasting (NaN propagates). */
  maximum(o: Other): Tensor {
    return E.maximum(this, o);
  }
  /** Elementwise minimum of this and `o`, broadcasting (NaN propagates). */
  minimum(o: Other): Tensor {
    return E.minimum(this, o);
  }
  /** Elementwise `atan2(this, o)`: the angle of the point (o, this), in radians. */
  atan2(o: Other): Tensor {
    return E.atan2(this, o);
  }
  /** Elementwise remainder with the sign of the divisor (Python's `%`, torch.remainder). */
  remainder(o: Other): Tensor {
    return E.remainder(this, o);
  }
  /** Elementwise `floor(this / o)` (torch.floor_divide). */
  floorDivide(o: Other): Tensor {
    return E.floorDivide(this, o);
  }
  /** Elementwise `this == o`, a bool tensor. */
  eq(o: Other): Tensor {
    return E.eq(this, o);
  }
  /** Elementwise `this != o`, a bool tensor. */
  ne(o: Other): Tensor {
    return E.ne(this, o);
  }
  /** Elementwise `this < o`, a bool tensor. */
  lt(o: Other): Tensor {
    return E.lt(this, o);
  }
  /** Elementwise `this <= o`, a bool tensor. */
  le(o: Other): Tensor {
    return E.le(this, o);
  }
  /** Elementwise `this > o`, a bool tensor. */
  gt(o: Other): Tensor {
    return E.gt(this, o);
  }
  /** Elementwise `this >= o`, a bool tensor. */
  ge(o: Other): Tensor {
    return E.ge(this, o);
  }
  /** Elementwise logical and (non-zero is true), a bool tensor. */
  logicalAnd(o: Other): Tensor {
    return E.logicalAnd(this, o);
  }
  /** Elementwise logical or (non-zero is true), a bool tensor. */
  logicalOr(o: Other): Tensor {
    return E.logicalOr(this, o);
  }
  /** Elementwise logical exclusive or (non-zero is true), a bool tensor. */
  logicalXor(o: Other): Tensor {
    return E.logicalXor(this, o);
  }
  /** Elementwise logical not (zero becomes true), a bool tensor. */
  logicalNot(): Tensor {
    return E.logicalNot(this);
  }
  /** Elementwise `-this`. */
  neg(): Tensor {
    return E.neg(this);
  }
  /** Elementwise absolute value. */
  abs(): Tensor {
    return E.abs(this);
  }
  /** Elementwise sign: -1, 0 or 1. */
  sign(): Tensor {
    return E.sign(this);
  }
  /** Elementwise `e ** this`. */
  exp(): Tensor {
    return E.exp(this);
  }
  /** Elementwise `exp(this) - 1`, exact near 0. */
  expm1(): Tensor {
    return E.expm1(this);
  }
  /** Elementwise natural logarithm (NaN below 0, -Infinity at 0). */
  log(): Tensor {
    return E.log(this);
  }
  /** Elementwise `log(1 + this)`, exact near 0. */
  log1p(): Tensor {
    return E.log1p(this);
  }
  /** Elementwise square root. */
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  /** Elementwise `1 / sqrt(this)`. */
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  /** Elementwise `1 / this`. */
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  /** Elementwise `this * this`. */
  square(): Tensor {
    return E.square(this);
  }
  /** Elementwise sine (radians). */
  sin(): Tensor {
    return E.sin(this);
  }
  /** Elementwise cosine (radians). */
  cos(): Tensor {
    return E.cos(this);
  }
  /** Elementwise tangent (radians). */
  tan(): Tensor {
    return E.tan(this);
  }
  /** Elementwise hyperbolic tangent. */
  tanh(): Tensor {
    return E.tanh(this);
  }
  /** Elementwise logistic sigmoid `1 / (1 + exp(-this))`. */
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  /** Elementwise Gauss error function. */
  erf(): Tensor {
    return E.erf(this);
  }
  /** Elementwise round down. */
  floor(): Tensor {
    return E.floor(this);
  }
  /** Elementwise round up. */
  ceil(): Tensor {
    return E.ceil(this);
  }
  /** Elementwise round to nearest, ties to even (as torch.round). */
  round(): Tensor {
    return E.round(this);
  }
  /** Elementwise `max(this, 0)`. */
  relu(): Tensor {
    return E.relu(this);
  }
  /** Elementwise test for NaN, a bool tensor. */
  isnan(): Tensor {
    return E.isnan(this);
  }
  /** Elementwise clamp into `[min, max]`; either bound may be null or omitted (no bound on that side). */
  clamp(min?: number | null, max?: number | null): Tensor {
    return E.clamp(this, min, max);
  }
  /**
   * Elements of this where `cond` is true, else of `other` (torch.where(cond, this, other)), broadcasting
   * all three.
   */
  where(cond: Tensor, other: Other): Tensor {
    return E.where(cond, this, other);
  }
  /** A copy with `value` wherever the bool `mask` (broadcast to this shape) is true. */
  maskedFill(mask: Tensor, value: number | boolean): Tensor {
    return E.maskedFill(this, mask, value);
  }

  // ---- reductions --------------------------------------------------------------------
  /** Sum over `dim` (one dim, a list, or all when omitted or null). Integer and bool tensors sum to int32. */
  sum(dim?: number | number[] | null, opts?: KeepDim): Tensor {
    return R.sum(this, dim, opts);
  }
  /** Mean over `dim` (one dim, a list, or all when omitted or null). Float tensors only. */
  mean(dim?: number | number[] | null, opts?: KeepDim): Tensor {
    return R.mean(this, dim, opts);
  }
  /** Product over `dim`, or of all elements when omitted or null. */
  prod(dim?: number | null, opts?: KeepDim): Tensor {
    return R.prod(this, dim, opts);
  }
  /**
   * Largest values over `dim` (values only; {@link Tensor.argmax} gives the indices), or the largest
   * element when omitted.
   */
  max(dim?: number | number[] | null, opts?: KeepDim): Tensor {
    return R.max(this, dim, opts);
  }
  /**
   * Smallest values over `dim` (values only; {@link Tensor.argmin} gives the indices), or the smallest
   * element when omitted.
   */
  min(dim?: number | number[] | null, opts?: KeepDim): Tensor {
    return R.min(this, dim, opts);
  }
  /**
   * Index of the largest value over `dim` (the first on ties), int32; over the flattened tensor when
   * omitted.
   */
  argmax(dim?: number | null, opts?: KeepDim): Tensor {
    return R.argmax(this, dim, opts);
  }
  /**
   * Index of the smallest value over `dim` (the first on ties), int32; over the flattened tensor when
   * omitted.
   */
  argmin(dim?: number | null, opts?: KeepDim): Tensor {
    return R.argmin(this, dim, opts);
  }
  /** Variance over `dim` (all when omitted) with Bessel's `correction` (default 1). */
  var(dim?: number | number[] | null, opts?: R.VarOptions): Tensor {
    return R.variance(this, dim, opts);
  }
  /** Standard deviation over `dim` (all when omitted) with Bessel's `correction` (default 1). */
  std(dim?: number | number[] | null, opts?: R.VarOptions): Tensor {
    return R.std(this, dim, opts);
  }
  /** `log(sum(exp(this)))` over `dim`, computed without overflow. */
  logsumexp(dim: number | number[], opts?: KeepDim): Tensor {
    return R.logsumexp(this, dim, opts);
  }
  /** True where every element over `dim` (or of the tensor) is non-zero; a bool tensor. */
  all(dim?: number | null, opts?: KeepDim): Tensor {
    return R.all(this, dim, opts);
  }
  /** True where some element over `dim` (or of the tensor) is non-zero; a bool tensor. */
  any(dim?: number | null, opts?: KeepDim): Tensor {
    return R.any(this, dim, opts);
  }

  // ---- linear algebra ----------------------------------------------------------------
  /**
   * Matrix product with torch.matmul's rules: 1-d operands are vectors, leading dims broadcast (`[B, N, K]
   * @ [K, M] -> [B, N, M]`).
   */
  matmul(o: Tensor): Tensor {
    return LA.matmul(this, o);
  }
  /** Product of two 2-d matrices `[N, K] @ [K, M] -> [N, M]` (no broadcasting). */
  mm(o: Tensor): Tensor {
    return LA.mm(this, o);
  }
  /** Batched product of 3-d tensors `[B, N, K] @ [B, K, M] -> [B, N, M]` (no broadcasting). */
  bmm(o: Tensor): Tensor {
    return LA.bmm(this, o);
  }

  // ---- views and shape ---------------------------------------------------------------
  /** The same elements in a new shape (one entry may be -1); a view when the layout allows, else a copy. */
  reshape(shape: readonly number[]): Tensor {
    return V.reshape(this, shape);
  }
  /** A view with a new shape (one entry may be -1); throws when the strides do not allow it (use reshape). */
  view(shape: readonly number[]): Tensor {
    return V.view(this, shape);
  }
  /** Merge dims `startDim..endDim` (default all) into one; a view when possible. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return V.flatten(this, startDim, endDim);
  }
  /** Split dim `dim` into `sizes` (one may be -1); the inverse of flatten. */
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return V.unflatten(this, dim, sizes);
  }
  /** Remove size-1 dims: all of them, or only `dim` (one or a list) where it has size 1. */
  squeeze(dim?: number | number[]): Tensor {
    return V.squeeze(this, dim);
  }
  /** Insert a size-1 dim at `dim` (negative counts from the end of the result); a view. */
  unsqueeze(dim: number): Tensor {
    return V.unsqueeze(this, dim);
  }
  /** A broadcast view of this tensor as `shape` (size-1 dims repeat without copying; -1 keeps a dim). */
  expand(shape: readonly number[]): Tensor {
    return V.expand(this, shape);
  }
  /** {@link Tensor.expand} to `other`'s shape. */
  expandAs(other: Tensor): Tensor {
    return V.expand(this, other.shape);
  }
  /** A view with dims `dim0` and `dim1` swapped. */
  transpose(dim0: number, dim1: number): Tensor {
    return V.transpose(this, dim0, dim1);
  }
  /** A view with the dims reordered: result dim `i` is this tensor's dim `dims[i]`. */
  permute(dims: readonly number[]): Tensor {
    return V.permute(this, dims);
  }
  /** Transpose of a tensor of at most 2 dims (a view). */
  t(): Tensor {
    return V.t(this);
  }
  /** All dims reversed (a view), like torch's `.T`. */
  get T(): Tensor {
    return V.permute(
      this,
      this.shape.map((_, i) => this.ndim - 1 - i),
    );
  }
  /** A view of `length` elements of `dim` from `start`. */
  narrow(dim: number, start: number, length: number): Tensor {
    return V.narrow(this, dim, start, length);
  }
  /**
   * A view at `index` of `dim`, with that dim removed (like `x[:, index]`); negative indices count from the
   * end.
   */
  select(dim: number, index: number): Tensor {
    return V.select(this, dim, index);
  }
  /**
   * A view of `dim` from `start` (inclusive) to `end` (exclusive) every `step`, like `x[start:end:step]`;
   * bounds clamp as in Python.
   */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return V.slice(this, dim, start, end, step);
  }
  /** This tensor if it is contiguous, else a contiguous copy. */
  contiguous(): Tensor {
    return V.contiguous(this);
  }
  /** A copy with its own storage, recorded by autograd (gradients flow back). */
  clone(): Tensor {
    return V.clone(this);
  }
  /** A view sharing storage that autograd does not track (no grad). */
  detach(): Tensor {
    return V.detach(this);
  }
  /** A copy converted to `dtype` (this tensor when it already has it). */
  cast(dtype: DType): Tensor {
    return V.cast(this, dtype);
  }
  /**
   * Convert to another dtype, or move to another backend, or both (`{ dtype, backend }`), as
   * PyTorch's `t.to(dtype)` / `t.to(device, dtype)`. This tensor when nothing changes.
   */
  to(target: DType | Backend | { dtype?: DType; backend?: Backend }): Tensor {
    if (typeof target === 'string') return V.cast(this, target);
    if ('name' in target) return V.toBackend(this, target as Backend);
    const { dtype, backend } = target as { dtype?: DType; backend?: Backend };
    const moved = backend ? V.toBackend(this, backend) : this;
    if (!dtype) return moved;
    const out = V.cast(moved, dtype);
    if (moved !== this && moved !== out) moved.dispose();
    return out;
  }
  /** Convert to float16 (round to nearest even; torch's `t.half()`). */
  half(): Tensor {
    return V.cast(this, 'float16');
  }
  /** Convert to bfloat16 (round to nearest even). */
  bfloat16(): Tensor {
    return V.cast(this, 'bfloat16');
  }
  /** Convert to float32. */
  float(): Tensor {
    return V.cast(this, 'float32');
  }
  /** Convert to int32 (truncating toward zero). */
  int(): Tensor {
    return V.cast(this, 'int32');
  }
  /** Convert to bool (non-zero is true). */
  bool(): Tensor {
    return V.cast(this, 'bool');
  }

  // ---- indexing ----------------------------------------------------------------------
  /**
   * Values along `dim` at the int32 positions of `index` (torch.gather): `out[i][j] = this[index[i][j]][j]`
   * for `dim` 0.
   */
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }
  /** The entries of `dim` at the positions of a 1-d int32 `index`, in that order. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return I.indexSelect(this, dim, index);
  }
  /** A copy of this tensor with `src` added at the positions of `index` along `dim` (torch.scatter_add). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return I.scatterAdd(this, dim, index, src);
  }
  /**
   * Split along `dim` into pieces of `splitSizeOrSections` elements (the last may be smaller), or of the
   * listed sizes; views.
   */
  split(splitSizeOrSections: number | number[], dim = 0): Tensor[] {
    return I.split(this, splitSizeOrSections, dim);
  }
  /** Split along `dim` into `chunks` nearly equal pieces (views), as torch.chunk. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return I.chunk(this, chunks, dim);
  }
}

setTensorCheck((v: unknown): v is Tensor => v instanceof Tensor);
setEscapeHook((t) => t._register());

/** Build a view handle on `src`'s storage (shares memory). */
export function makeView(
  src: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): Tensor {
  return new Tensor(src._storage, shape, strides, offset);
}

export function makeContiguous(storage: Storage, shape: readonly number[]): Tensor {
  return new Tensor(storage, shape, contiguousStrides(shape), 0);
}

function nest(raw: TypedArray, shape: readonly number[], dtype: DType): unknown {
  // 16-bit floats read back as bits; the nested arrays hold their values.
  const data = isHalf(dtype) ? decodeHalf(dtype, raw) : raw;
  const conv = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return conv(data[0]);
  const build = (dim: number, offset: number): unknown[] => {
    const n = shape[dim];
    const out = new Array(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = conv(data[offset + i]);
      return out;
    }
    const stride = numel(shape.slice(dim + 1));
    for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
    return out;
  };
  return build(0, 0);
}

declare global {
  // Tensor's [Symbol.dispose] (for `using`) without asking consumers for lib esnext.disposable:
  // the same declaration as TypeScript's lib and @types/node make, so it merges with either.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}
