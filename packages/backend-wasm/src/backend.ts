/**
 * The Backend implementation. Buffers are blocks of the kernels' linear memory, so tensors
 * stay resident between ops; `read` copies once. Each kernel resolves views to byte
 * addresses plus a strided descriptor and calls a WebAssembly export, split over the
 * thread pool when the work is large enough to pay for the hand-off.
 */
import type {
  AdamStepParams,
  Backend,
  BackendBuffer,
  BinaryOp,
  DType,
  FusedKernels,
  PhiloxState,
  Pool2dParams,
  RandomKind,
  ReduceOp,
  TypedArray,
  UnaryOp,
  View,
} from '@layers/core';
import type { Allocator } from './allocator.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad } from './conv.js';
import type { ThreadPool } from './pool.js';
import { coalesce, isContiguous, numel, writeDesc } from './strided.js';

/**
 * Op codes of the kernels: index i here is U_* / B_* = i in assembly/scalar.ts. Written out
 * rather than taken from core's UNARY_OPS/BINARY_OPS, whose order is not this ABI.
 */
export const UNARY_OPS: readonly UnaryOp[] = [
  'neg',
  'abs',
  'sign',
  'exp',
  'expm1',
  'log',
  'log1p',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sigmoid',
  'erf',
  'floor',
  'ceil',
  'round',
  'relu',
  'logicalNot',
  'isnan',
];
export const BINARY_OPS: readonly BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'atan2',
  'remainder',
  'floorDivide',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
];
const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'prod', 'max', 'min', 'argmax', 'argmin'];
const DTYPE_CODE: Record<DType, number> = { float32: 0, int32: 1, bool: 2 };
const ELEM_BYTES: Record<DType, number> = { float32: 4, int32: 4, bool: 1 };

/** Exports the pool may run; a worker receives this table once and calls by index. */
export const PARALLEL_KERNELS = [
  'unary',
  'binary',
  'where',
  'copy',
  'fill',
  'gather',
  'reduce',
  'packB',
  'gemm',
  'addBias',
  'depthwise',
  'softmax',
  'layerNorm',
  'adam',
  'philox',
  'lstmCell',
  'gruCell',
  'pool2d',
  'packWindows',
  'weightGrad',
] as const;
type KernelName = (typeof PARALLEL_KERNELS)[number];

/**
 * matmul reads a row-major B in place (no packing) when A has at most this many rows.
 * Measured (1 thread): [16,128]x[128,512] 15% faster in place; at 32 rows packing wins by 10%.
 */
const DIRECT_B_ROWS = 16;

/** Below this many element-operations a kernel runs on the calling thread alone. */
const PAR_WORK = 1 << 16;

export class WasmBuffer {
  released = false;
  constructor(
    readonly ptr: number,
    readonly bytes: number,
  ) {}
}

export interface Exports {
  [name: string]: any;
  memory: WebAssembly.Memory;
}

/**
 * The backend {@link createWasmBackend} returns: the `Backend` contract of `@layers/core` over WebAssembly
 * SIMD kernels.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly fused: FusedKernels;
  private buf: ArrayBuffer | SharedArrayBuffer;
  private u8: Uint8Array;
  private i32: Int32Array;
  private destroyed = false;

  constructor(
    private readonly ex: Exports,
    private readonly memory: WebAssembly.Memory,
    /** @internal The allocator of the linear memory. */
    readonly allocator: Allocator,
    /** @internal The worker pool (null with one thread). */
    readonly pool: ThreadPool | null,
    /** Threads kernels run on, the calling thread included. */
    readonly threads: number,
    private readonly descPtr: number,
  ) {
    this.buf = memory.buffer;
    this.u8 = new Uint8Array(this.buf);
    this.i32 = new Int32Array(this.buf);
    this.fused = {
      conv2d: (x, w, bias, out, p) => conv2d(this, x, w, bias, out, p),
      conv2dInputGrad: (dy, w, dx, p) => conv2dInputGrad(this, dy, w, dx, p),
      conv2dWeightGrad: (x, dy, dw, p) => conv2dWeightGrad(this, x, dy, dw, p),
      softmax: (x, out, outer, inner, log) => this.softmax(x, out, outer, inner, log),
      layerNorm: (x, w, b, out, mean, rstd, outer, inner, eps) =>
        this.layerNorm(x, w, b, out, mean, rstd, outer, inner, eps),
      adamStep: (param, grad, m, v, vmax, p) => this.adamStep(param, grad, m, v, vmax, p),
      lstmCell: (gx, gh, c, out, act, batch, hidden) =>
        this.rnnCell('lstmCell', gx, gh, c, out, act, batch, hidden),
      gruCell: (gx, gh, h, out, act, batch, hidden) =>
        this.rnnCell('gruCell', gx, gh, h, out, act, batch, hidden),
      pool2d: (x, out, indices, divisor, p) => this.pool2d(x, out, indices, divisor, p),
    };
  }

  // ---- memory -------------------------------------------------------------------------

  /** Views into the memory go stale when it grows; refresh lazily. */
  private views(): void {
    if (this.buf.byteLength !== this.memory.buffer.byteLength || this.buf !== this.memory.buffer) {
      this.buf = this.memory.buffer;
      this.u8 = new Uint8Array(this.buf);
      this.i32 = new Int32Array(this.buf);
    }
  }

  private live(b: BackendBuffer): WasmBuffer {
    if (this.destroyed) throw new Error('layers wasm: backend was destroyed');
    const w = b as WasmBuffer;
    if (!(w instanceof WasmBuffer))
      throw new Error('layers wasm: buffer does not belong to the wasm backend');
    if (w.released) throw new Error('layers wasm: use of a released buffer');
    return w;
  }

  /** Byte address of a view's first element. */
  /** @internal */
  addr(v: View): number {
    return this.live(v.buffer).ptr + v.offset * ELEM_BYTES[v.dtype];
  }

  alloc(size: number, dtype: DType): BackendBuffer {
    if (this.destroyed) throw new Error('layers wasm: backend was destroyed');
    const bytes = size * ELEM_BYTES[dtype];
    const ptr = this.allocator.alloc(bytes, `${dtype}[${size}]`);
    return new WasmBuffer(ptr, bytes);
  }

  /** Internal scratch (packing, im2col), released by the caller. */
  /** @internal */
  scratch(bytes: number): number {
    return this.allocator.alloc(bytes, `scratch ${bytes} bytes`);
  }

  write(buffer: BackendBuffer, dtype: DType, data: TypedArray): void {
    const b = this.live(buffer);
    const bytes = data.length * ELEM_BYTES[dtype];
    if (bytes > b.bytes)
      throw new Error(`layers wasm: write of ${bytes} bytes into a ${b.bytes}-byte buffer`);
    this.views();
    this.u8.set(new Uint8Array(data.buffer, data.byteOffset, bytes), b.ptr);
  }

  readSync(buffer: BackendBuffer, dtype: DType, size: number): TypedArray {
    const b = this.live(buffer);
    this.pool?.check();
    this.views();
    const bytes = size * ELEM_BYTES[dtype];
    const copy = this.u8.slice(b.ptr, b.ptr + bytes).buffer;
    if (dtype === 'float32') return new Float32Array(copy);
    if (dtype === 'int32') return new Int32Array(copy);
    return new Uint8Array(copy);
  }

  read(buffer: BackendBuffer, dtype: DType, size: number): Promise<TypedArray> {
    try {
      const data = this.readSync(buffer, dtype, size);
      // The caller awaits next: let the workers sleep rather than poll while others run.
      this.pool?.park();
      return Promise.resolve(data);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  release(buffer: BackendBuffer): void {
    // Tensors collected after destroy() (the GC safety net) have nothing left to free.
    if (this.destroyed) return;
    const b = this.live(buffer);
    b.released = true;
    this.allocator.free(b.ptr);
  }

  async sync(): Promise<void> {
    this.pool?.check();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pool?.destroy();
  }

  // ---- dispatch -----------------------------------------------------------------------

  /**
   * Run `name(...args, lo, hi)` over [0, total). `work` estimates element-operations for the
   * whole range; small work stays on this thread.
   */
  /**
   * Run a kernel over [0, total), on several threads when the work is large enough. `dynamic`
   * splits the range into pieces (about four per thread, multiples of `align`) that threads
   * claim as they go, for kernels whose cost per piece is large enough to pay the atomics.
   */
  /** @internal */
  par(name: KernelName, args: number[], total: number, work: number, align = 1, dynamic = false): void {
    if (total <= 0) return;
    const fn = this.ex[name];
    let nt = 1;
    if (this.pool && work >= PAR_WORK) {
      nt = Math.min(this.threads, Math.ceil(total / align), Math.max(1, Math.floor(work / (PAR_WORK / 2))));
    }
    if (nt <= 1) {
      this.pool?.check();
      fn(...args, 0, total);
      return;
    }
    const grain = dynamic ? Math.max(align, Math.ceil(total / (4 * nt) / align) * align) : 0;
    this.pool!.run(
      PARALLEL_KERNELS.indexOf(name),
      args,
      total,
      nt,
      align,
      (lo, hi) => fn(...args, lo, hi),
      grain,
    );
  }

  /** Coalesce operands (operand 0 first) and write the descriptor; returns its address. */
  private desc(shape: readonly number[], strides: (readonly number[])[]): number {
    this.views();
    writeDesc(this.i32, this.descPtr >> 2, coalesce(shape, strides));
    return this.descPtr;
  }

  // ---- elementwise --------------------------------------------------------------------

  unary(op: UnaryOp, x: View, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    const code = UNARY_OPS.indexOf(op);
    if (code < 0) throw new Error(`layers wasm: unknown unary op '${op}'`);
    const d = this.desc(out.shape, [out.strides, x.strides]);
    const cost = code === 0 || code === 1 || code >= 16 ? 1 : 8;
    this.par(
      'unary',
      [code, DTYPE_CODE[x.dtype], DTYPE_CODE[out.dtype], d, this.addr(x), this.addr(out)],
      n,
      n * cost,
      64,
    );
  }

  binary(op: BinaryOp, a: View, b: View, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    const code = BINARY_OPS.indexOf(op);
    if (code < 0) throw new Error(`layers wasm: unknown binary op '${op}'`);
    const d = this.desc(out.shape, [out.strides, a.strides, b.strides]);
    const cost = code === 4 || code === 7 ? 8 : 1;
    this.par(
      'binary',
      [code, DTYPE_CODE[a.dtype], DTYPE_CODE[out.dtype], d, this.addr(a), this.addr(b), this.addr(out)],
      n,
      n * cost,
      64,
    );
  }

  where(cond: View, a: View, b: View, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    const d = this.desc(out.shape, [out.strides, a.strides, b.strides, cond.strides]);
    this.par(
      'where',
      [DTYPE_CODE[out.dtype], d, this.addr(cond), this.addr(a), this.addr(b), this.addr(out)],
      n,
      n,
      64,
    );
  }

  copy(x: View, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    const d = this.desc(out.shape, [out.strides, x.strides]);
    this.par('copy', [DTYPE_CODE[x.dtype], DTYPE_CODE[out.dtype], d, this.addr(x), this.addr(out)], n, n, 64);
  }

  fill(out: View, value: number): void {
    const n = numel(out.shape);
    if (n === 0) return;
    let bits: number;
    if (out.dtype === 'float32') bits = new Int32Array(new Float32Array([value]).buffer)[0];
    else if (out.dtype === 'int32') bits = Number.isFinite(value) ? Math.trunc(value) | 0 : 0;
    else bits = value !== 0 ? 1 : 0;
    const d = this.desc(out.shape, [out.strides]);
    this.par('fill', [DTYPE_CODE[out.dtype], d, this.addr(out), bits], n, n, 64);
  }

  gather(x: View, index: View, dim: number, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    const xs = x.strides.slice();
    const sdim = xs[dim];
    xs[dim] = 0;
    const d = this.desc(out.shape, [out.strides, index.strides, xs]);
    this.par(
      'gather',
      [DTYPE_CODE[x.dtype], d, this.addr(x), this.addr(index), this.addr(out), sdim],
      n,
      n,
      64,
    );
  }

  scatterAdd(out: View, index: View, src: View, dim: number): void {
    const n = numel(index.shape);
    if (n === 0) return;
    const os = out.strides.slice();
    const sdim = os[dim];
    os[dim] = 0;
    const d = this.desc(index.shape, [os, index.strides, src.strides]);
    this.pool?.check();
    // Repeated indices would race between threads: always one thread.
    this.ex.scatterAdd(
      DTYPE_CODE[out.dtype],
      d,
      this.addr(out),
      this.addr(index),
      this.addr(src),
      sdim,
      0,
      n,
    );
  }

  // ---- reductions, matmul, random ------------------------------------------------------

  reduce(op: ReduceOp, x: View, out: View, outer: number, inner: number): void {
    if (outer === 0) return;
    const code = REDUCE_OPS.indexOf(op);
    if (code < 0) throw new Error(`layers wasm: unknown reduce op '${op}'`);
    this.withContiguous(x, (xp) => {
      this.withContiguousOut(out, (op2) => {
        this.par('reduce', [code, DTYPE_CODE[x.dtype], xp, op2, inner], outer, outer * inner, 1);
      });
    });
  }

  matmul(a: View, b: View, out: View): void {
    const [B, M, K] = a.shape;
    const N = b.shape[2];
    if (B * M * N === 0) return;
    const o = this.addr(out);
    if (K === 0) {
      this.fill(out, 0);
      return;
    }
    const bBatches = b.strides[0] === 0 ? 1 : B;
    this.gemm(
      this.addr(a),
      B === 1 ? 0 : a.strides[0],
      a.strides[1],
      a.strides[2],
      this.addr(b),
      bBatches,
      b.strides[0],
      b.strides[1],
      b.strides[2],
      o,
      M * N,
      B,
      M,
      N,
      K,
    );
  }

  /**
   * out[i] (batch stride ob) = A[i] @ B[i], split by 4-row strips. B is packed once per batch
   * into 8-column panels, except when A has few rows: then packing B (K x N moves) would cost
   * about as much as the product, so a row-major B (N % 8 == 0) is read in place.
   */
  /** @internal */
  gemm(
    a: number,
    sab: number,
    sam: number,
    sak: number,
    b: number,
    bBatches: number,
    sbb: number,
    sbk: number,
    sbn: number,
    o: number,
    ob: number,
    B: number,
    M: number,
    N: number,
    K: number,
  ): void {
    const direct = sbn === 1 && N % 8 === 0 && M <= DIRECT_B_ROWS;
    const panels = Math.ceil(N / 8);
    const batchBytes = panels * K * 32;
    const packed = direct ? 0 : this.scratch(bBatches * batchBytes);
    try {
      if (!direct) {
        this.par(
          'packB',
          [b, sbb, sbk, sbn, K, N, packed, batchBytes],
          bBatches * panels,
          bBatches * K * N,
          1,
        );
      }
      const bArgs = direct
        ? [b, bBatches === 1 ? 0 : sbb * 4, 32, sbk * 4]
        : [packed, bBatches === 1 ? 0 : batchBytes, K * 32, 32];
      this.gemmRun(a, sab, sam, sak, bArgs, o, ob, B, M, N, K);
    } finally {
      if (packed) this.allocator.free(packed);
    }
  }

  /** The gemm kernel over B's panels as described by bArgs (see assembly/matmul.ts). */
  /** @internal */
  gemmRun(
    a: number,
    sab: number,
    sam: number,
    sak: number,
    bArgs: number[],
    o: number,
    ob: number,
    B: number,
    M: number,
    N: number,
    K: number,
  ): void {
    // Items are 4-row strips; columns are split only when there are too few strips to
    // give every thread several (each column block repacks its rows of A).
    const stripItems = B * this.ex.gemmStrips(M);
    const want = this.pool ? 4 * this.threads : 1;
    const split = stripItems >= want ? 1 : Math.ceil(want / stripItems);
    const nb = Math.max(8, Math.ceil(N / split / 8) * 8);
    const items = stripItems * Math.ceil(N / nb);
    this.par('gemm', [a, sab, sam, sak, ...bArgs, o, ob, M, N, K, nb], items, B * M * N * K, 1, true);
  }

  random(kind: RandomKind, state: PhiloxState, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    this.withContiguousOut(out, (o) => {
      const blocks = Math.ceil(n / 4);
      const args = [
        kind === 'uniform' ? 0 : 1,
        state.key[0] >>> 0,
        state.key[1] >>> 0,
        state.counter[0] >>> 0,
        state.counter[1] >>> 0,
        o,
        n,
      ];
      this.par('philox', args, blocks, n * (kind === 'uniform' ? 4 : 16), 1);
    });
  }

  /** Run `fn` on a contiguous copy of `x` when the kernel needs one (the contract says it is). */
  /** @internal */
  withContiguous(x: View, fn: (ptr: number) => void): void {
    if (isContiguous(x.shape, x.strides)) {
      fn(this.addr(x));
      return;
    }
    const n = numel(x.shape);
    const tmp = this.scratch(n * ELEM_BYTES[x.dtype]);
    try {
      const strides = contiguousStrides(x.shape);
      this.copy(x, {
        buffer: this.wrap(tmp, n * ELEM_BYTES[x.dtype]),
        dtype: x.dtype,
        shape: x.shape,
        strides,
        offset: 0,
      });
      fn(tmp);
    } finally {
      this.allocator.free(tmp);
    }
  }

  private withContiguousOut(out: View, fn: (ptr: number) => void): void {
    if (isContiguous(out.shape, out.strides)) {
      fn(this.addr(out));
      return;
    }
    const n = numel(out.shape);
    const bytes = n * ELEM_BYTES[out.dtype];
    const tmp = this.scratch(bytes);
    try {
      fn(tmp);
      const strides = contiguousStrides(out.shape);
      this.copy(
        { buffer: this.wrap(tmp, bytes), dtype: out.dtype, shape: out.shape, strides, offset: 0 },
        out,
      );
    } finally {
      this.allocator.free(tmp);
    }
  }

  /** @internal */
  contiguousView(v: View, ptr: number): View {
    const bytes = numel(v.shape) * ELEM_BYTES[v.dtype];
    return {
      buffer: this.wrap(ptr, bytes),
      dtype: v.dtype,
      shape: v.shape,
      strides: contiguousStrides(v.shape),
      offset: 0,
    };
  }

  private wrap(ptr: number, bytes: number): WasmBuffer {
    return new WasmBuffer(ptr, bytes);
  }

  // ---- fused ----------------------------------------------------------------------------

  private softmax(x: View, out: View, outer: number, inner: number, log: boolean): void {
    if (outer * inner === 0) return;
    this.withContiguous(x, (xp) =>
      this.par('softmax', [xp, this.addr(out), inner, log ? 1 : 0], outer, outer * inner * 4, 1),
    );
  }

  private layerNorm(
    x: View,
    weight: View | null,
    bias: View | null,
    out: View,
    mean: View,
    rstd: View,
    outer: number,
    inner: number,
    eps: number,
  ): void {
    if (outer === 0) return;
    this.withContiguous(x, (xp) =>
      this.par(
        'layerNorm',
        [
          xp,
          weight ? this.addr(weight) : 0,
          bias ? this.addr(bias) : 0,
          this.addr(out),
          this.addr(mean),
          this.addr(rstd),
          inner,
          eps,
        ],
        outer,
        outer * inner * 4,
        1,
      ),
    );
  }

  /**
   * lstmCell / gruCell over batch rows (operands contiguous, as the contract promises). A
   * hidden unit costs ~40 operations per sigmoid/tanh (five of them for LSTM, three for GRU),
   * so rows split across threads early. The LSTM kernel also needs the batch to find c'.
   */
  private rnnCell(
    name: 'lstmCell' | 'gruCell',
    gx: View,
    gh: View,
    state: View,
    out: View,
    act: View,
    batch: number,
    hidden: number,
  ): void {
    if (batch * hidden === 0) return;
    const lstm = name === 'lstmCell';
    const args = [gx, gh, state, out, act].map((v) => this.addr(v));
    args.push(...(lstm ? [batch, hidden] : [hidden]));
    this.par(name, args, batch, batch * hidden * (lstm ? 160 : 120), 1);
  }

  private pool2d(x: View, out: View, indices: View | null, divisor: View | null, p: Pool2dParams): void {
    const [N, C, H, W] = x.shape;
    const [, , OH, OW] = out.shape;
    const rows = N * C * OH;
    if (rows * OW === 0) return;
    this.withContiguous(x, (xp) =>
      this.par(
        'pool2d',
        [
          xp,
          this.addr(out),
          indices ? this.addr(indices) : 0,
          divisor ? this.addr(divisor) : 0,
          p.mode === 'max' ? 1 : 0,
          H,
          W,
          OH,
          OW,
          ...p.kernel,
          ...p.stride,
          ...p.padding,
          ...p.dilation,
        ],
        rows,
        rows * OW * p.kernel[0] * p.kernel[1],
        1,
      ),
    );
  }

  private adamStep(param: View, grad: View, m: View, v: View, vmax: View | null, p: AdamStepParams): void {
    const n = numel(param.shape);
    if (n === 0) return;
    this.par(
      'adam',
      [
        this.addr(param),
        this.addr(grad),
        this.addr(m),
        this.addr(v),
        vmax ? this.addr(vmax) : 0,
        p.lr,
        p.beta1,
        p.beta2,
        p.eps,
        p.weightDecay,
        p.decoupled ? 1 : 0,
        p.maximize ? 1 : 0,
        p.biasCorrection1,
        p.biasCorrection2,
      ],
      n,
      n * 8,
      64,
    );
  }
}

function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
