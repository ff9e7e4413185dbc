import { backward as runBackward } from '../autograd/engine.js';
import { Node } from '../autograd/node.js';
import type { Backend, DType, TypedArray, View } from '../backend/contract.js';
import * as E from '../ops/elementwise.js';
import * as I from '../ops/indexing.js';
import * as LA from '../ops/linalg.js';
import * as R from '../ops/reduce.js';
import * as V from '../ops/view.js';
import { noteEscaped, noteReclaimed, yieldToFinalizers } from './collect.js';
import { drainChecks } from './deferred-checks.js';
import { bytesPerElement, isFloat } from './dtype.js';
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

export type Other = Tensor | number | boolean;
export interface KeepDim {
  keepdim?: boolean;
}

export class Tensor {
  readonly id = nextId++;
  /** @internal */ _h: HandleState;
  private _requiresGrad = false;
  private _grad: Tensor | null = null;
  private _accum: Node | null = null;

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(
    storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
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

  get dtype(): DType {
    return this._h.storage.dtype;
  }
  get backend(): Backend {
    return this._h.storage.backend;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements (torch's numel()). */
  get size(): number {
    return numel(this.shape);
  }
  numel(): number {
    return this.size;
  }
  dim(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this._h.disposed;
  }
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  // ---- autograd ----------------------------------------------------------------------

  get requiresGrad(): boolean {
    return this._h.node !== null || this._requiresGrad;
  }
  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }
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
  get isLeaf(): boolean {
    return this._h.node === null;
  }
  /** Name of the op that produced this tensor, or null for a leaf. */
  get gradFn(): string | null {
    return this._h.node?.name ?? null;
  }
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
  backward(grad?: Tensor, options: { retainGraph?: boolean } = {}): void {
    runBackward(this, grad, options.retainGraph ?? false);
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
  [Symbol.dispose](): void {
    this.dispose();
  }
  /** @internal A new untracked handle on the same storage and layout, without grad. */
  _alias(): Tensor {
    this._check('backward');
    return new Tensor(this._h.storage, this.shape, this.strides, this.offset, false);
  }
  /** @internal A contiguous copy, outside autograd. */
  contiguousCopy(): Tensor {
    return V.contiguousCopy(this);
  }
  /** @internal Ones of this shape and dtype. */
  _onesLike(): Tensor {
    const t = V.contiguousCopy(this);
    this.backend.fill(t._view(), 1);
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
   * Copy the values out, in row-major order, as a typed array of this dtype. The read owns
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
  async toArray(): Promise<unknown> {
    return nest(await this.data(), this.shape, this.dtype);
  }
  arraySync(): unknown {
    return nest(this.dataSync(), this.shape, this.dtype);
  }
  /** The single value of a one-element tensor. */
  async item(): Promise<number | boolean> {
    if (this.size !== 1) {
      throw new RangeError(`item: a Tensor with ${this.size} elements cannot be converted to a scalar`);
    }
    const d = await this.data();
    return this.dtype === 'bool' ? d[0] !== 0 : d[0];
  }
  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, backend=${this.backend.name}${
      this._h.disposed ? ', disposed' : ''
    })`;
  }

  // ---- elementwise -------------------------------------------------------------------
  add(o: Other): Tensor {
    return E.add(this, o);
  }
  sub(o: Other): Tensor {
    return E.sub(this, o);
  }
  mul(o: Other): Tensor {
    return E.mul(this, o);
  }
  div(o: Other): Tensor {
    return E.div(this, o);
  }
  pow(o: Other): Tensor {
    return E.pow(this, o);
  }
  maximum(o: Other): Tensor {
    return E.maximum(this, o);
  }
  minimum(o: Other): Tensor {
    return E.minimum(this, o);
  }
  atan2(o: Other): Tensor {
    return E.atan2(this, o);
  }
  remainder(o: Other): Tensor {
    return E.remainder(this, o);
  }
  floorDivide(o: Other): Tensor {
    return E.floorDivide(this, o);
  }
  eq(o: Other): Tensor {
    return E.eq(this, o);
  }
  ne(o: Other): Tensor {
    return E.ne(this, o);
  }
  lt(o: Other): Tensor {
    return E.lt(this, o);
  }
  le(o: Other): Tensor {
    return E.le(this, o);
  }
  gt(o: Other): Tensor {
    return E.gt(this, o);
  }
  ge(o: Other): Tensor {
    return E.ge(this, o);
  }
  logicalAnd(o: Other): Tensor {
    return E.logicalAnd(this, o);
  }
  logicalOr(o: Other): Tensor {
    return E.logicalOr(this, o);
  }
  logicalXor(o: Other): Tensor {
    return E.logicalXor(this, o);
  }
  logicalNot(): Tensor {
    return E.logicalNot(this);
  }
  neg(): Tensor {
    return E.neg(this);
  }
  abs(): Tensor {
    return E.abs(this);
  }
  sign(): Tensor {
    return E.sign(this);
  }
  exp(): Tensor {
    return E.exp(this);
  }
  expm1(): Tensor {
    return E.expm1(this);
  }
  log(): Tensor {
    return E.log(this);
  }
  log1p(): Tensor {
    return E.log1p(this);
  }
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  square(): Tensor {
    return E.square(this);
  }
  sin(): Tensor {
    return E.sin(this);
  }
  cos(): Tensor {
    return E.cos(this);
  }
  tan(): Tensor {
    return E.tan(this);
  }
  tanh(): Tensor {
    return E.tanh(this);
  }
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  erf(): Tensor {
    return E.erf(this);
  }
  floor(): Tensor {
    return E.floor(this);
  }
  ceil(): Tensor {
    return E.ceil(this);
  }
  round(): Tensor {
    return E.round(this);
  }
  relu(): Tensor {
    return E.relu(this);
  }
  isnan(): Tensor {
    return E.isnan(this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return E.clamp(this, min, max);
  }
  where(cond: Tensor, other: Other): Tensor {
    return E.where(cond, this, other);
  }
  maskedFill(mask: Tensor, value: number | boolean): Tensor {
    return E.maskedFill(this, mask, value);
  }

  // ---- reductions --------------------------------------------------------------------
  sum(dim?: number | number[] | null, opts?: KeepDim): Tensor {
    return R.sum(this, dim, opts);
  }
  mean(dim?: number | number[] | null, opts?: KeepDim): Tensor {
    return R.mean(this, dim, opts);
  }
  prod(dim?: number | null, opts?: KeepDim): Tensor {
    return R.prod(this, dim, opts);
  }
  max(dim?: number | number[] | null, opts?: KeepDim): Tensor {
    return R.max(this, dim, opts);
  }
  min(dim?: number | number[] | null, opts?: KeepDim): Tensor {
    return R.min(this, dim, opts);
  }
  argmax(dim?: number | null, opts?: KeepDim): Tensor {
    return R.argmax(this, dim, opts);
  }
  argmin(dim?: number | null, opts?: KeepDim): Tensor {
    return R.argmin(this, dim, opts);
  }
  var(dim?: number | number[] | null, opts?: R.VarOptions): Tensor {
    return R.variance(this, dim, opts);
  }
  std(dim?: number | number[] | null, opts?: R.VarOptions): Tensor {
    return R.std(this, dim, opts);
  }
  logsumexp(dim: number | number[], opts?: KeepDim): Tensor {
    return R.logsumexp(this, dim, opts);
  }
  all(dim?: number | null, opts?: KeepDim): Tensor {
    return R.all(this, dim, opts);
  }
  any(dim?: number | null, opts?: KeepDim): Tensor {
    return R.any(this, dim, opts);
  }

  // ---- linear algebra ----------------------------------------------------------------
  matmul(o: Tensor): Tensor {
    return LA.matmul(this, o);
  }
  mm(o: Tensor): Tensor {
    return LA.mm(this, o);
  }
  bmm(o: Tensor): Tensor {
    return LA.bmm(this, o);
  }

  // ---- views and shape ---------------------------------------------------------------
  reshape(shape: readonly number[]): Tensor {
    return V.reshape(this, shape);
  }
  view(shape: readonly number[]): Tensor {
    return V.view(this, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return V.flatten(this, startDim, endDim);
  }
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return V.unflatten(this, dim, sizes);
  }
  squeeze(dim?: number | number[]): Tensor {
    return V.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return V.unsqueeze(this, dim);
  }
  expand(shape: readonly number[]): Tensor {
    return V.expand(this, shape);
  }
  expandAs(other: Tensor): Tensor {
    return V.expand(this, other.shape);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return V.transpose(this, dim0, dim1);
  }
  permute(dims: readonly number[]): Tensor {
    return V.permute(this, dims);
  }
  t(): Tensor {
    return V.t(this);
  }
  get T(): Tensor {
    return V.permute(
      this,
      this.shape.map((_, i) => this.ndim - 1 - i),
    );
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return V.narrow(this, dim, start, length);
  }
  select(dim: number, index: number): Tensor {
    return V.select(this, dim, index);
  }
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return V.slice(this, dim, start, end, step);
  }
  contiguous(): Tensor {
    return V.contiguous(this);
  }
  clone(): Tensor {
    return V.clone(this);
  }
  detach(): Tensor {
    return V.detach(this);
  }
  cast(dtype: DType): Tensor {
    return V.cast(this, dtype);
  }
  /** Convert to another dtype, or move to another backend. */
  to(target: DType | Backend): Tensor {
    return typeof target === 'string' ? V.cast(this, target) : V.toBackend(this, target);
  }
  float(): Tensor {
    return V.cast(this, 'float32');
  }
  int(): Tensor {
    return V.cast(this, 'int32');
  }
  bool(): Tensor {
    return V.cast(this, 'bool');
  }

  // ---- indexing ----------------------------------------------------------------------
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return I.indexSelect(this, dim, index);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return I.scatterAdd(this, dim, index, src);
  }
  split(splitSizeOrSections: number | number[], dim = 0): Tensor[] {
    return I.split(this, splitSizeOrSections, dim);
  }
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

function nest(data: TypedArray, shape: readonly number[], dtype: DType): unknown {
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
