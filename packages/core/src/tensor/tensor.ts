import { type BackwardOptions, backwardWith } from '../autograd/grad.js';
import { Node } from '../autograd/node.js';
import type { Backend, DType, TypedArray, View } from '../backend/contract.js';
import * as E from '../ops/elementwise.js';
import * as K from '../ops/kernel.js';
import * as V from '../ops/view.js';
import { finalizer, type HandleState, noteEscaped, releaseHandle, yieldToFinalizers } from './collect.js';
import { drainChecks } from './deferred-checks.js';
import { bytesPerElement, isFloat } from './dtype.js';
import { decodeHalf, isHalf } from './half.js';
import { elementwiseMethods } from './methods-elementwise.js';
import { reduceMethods } from './methods-reduce.js';
import { viewMethods } from './methods-view.js';
import { forgetTensor, setEscapeHook, setTensorCheck, trackTensor, untrackTensor } from './scope.js';
import { contiguousStrides, isContiguous, numel } from './shape.js';
import { type Storage, statsFor } from './storage.js';

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

  /** All dims reversed (a view), like torch's `.T`. */
  get T(): Tensor {
    return V.permute(
      this,
      this.shape.map((_, i) => this.ndim - 1 - i),
    );
  }
}

// The op methods live by concern in methods-elementwise.ts, methods-reduce.ts and
// methods-view.ts (declaration merging); installed here, non-enumerable as class methods are,
// so every import of Tensor has them.
for (const methods of [elementwiseMethods, reduceMethods, viewMethods]) {
  for (const [name, value] of Object.entries(methods)) {
    Object.defineProperty(Tensor.prototype, name, { value, writable: true, configurable: true });
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
