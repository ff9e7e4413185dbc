/**
 * The Backend implementation. Buffers are blocks of the kernels' linear memory, so tensors
 * stay resident between ops; `read` copies once. Each kernel resolves views to byte
 * addresses plus a strided descriptor and calls a WebAssembly export, split over the
 * thread pool when the work is large enough to pay for the hand-off (dispatch.ts). The
 * elementwise ops and reductions are here; matmul, conv2d and the fused kernels in ops/.
 */
import type {
  Backend,
  BackendBuffer,
  BinaryOp,
  DType,
  FusedKernels,
  PhiloxState,
  RandomKind,
  ReduceOp,
  TypedArray,
  UnaryOp,
  View,
} from '@layers/core';
import {
  BINARY_OPS,
  DTYPE_CODE,
  ELEM_BYTES,
  type Exports,
  REDUCE_OPS,
  UNARY_OPS,
  WasmBuffer,
} from './abi.js';
import type { Allocator } from './allocator.js';
import { Dispatch } from './dispatch.js';
import { fillHalf } from './half.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad } from './ops/conv.js';
import { expression } from './ops/expression.js';
import { layerNorm, pool2d, pool2dBackward, rnnCell, softmax } from './ops/fused.js';
import { matmul } from './ops/gemm.js';
import type { ThreadPool } from './pool.js';
import type { SimdLevel } from './simd.js';
import { numel } from './strided.js';

/** fill()'s float32 value as its bits. */
const fillF32 = new Float32Array(1);
const fillBits = new Int32Array(fillF32.buffer);

export { BINARY_OPS, type Exports, PARALLEL_KERNELS, UNARY_OPS, WasmBuffer } from './abi.js';

/** What a {@link WasmBackend} runs on: its kernel build and threads. */
export interface WasmBackendInfo {
  /**
   * `'simd128+relaxed'`: the relaxed-SIMD build (matrix products use `f32x4.relaxed_madd`,
   * fused where the CPU has FMA); `'simd128'`: the baseline SIMD build.
   */
  readonly simd: SimdLevel;
  /** Threads kernels run on, the calling thread included. */
  readonly threads: number;
  /** The kernels share their memory with worker threads (the threaded build). */
  readonly sharedMemory: boolean;
}

/**
 * The backend {@link createWasmBackend} returns: the `Backend` contract of `@layers/core` over WebAssembly
 * SIMD kernels.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly fused: FusedKernels;
  private readonly d: Dispatch;

  constructor(
    ex: Exports,
    memory: WebAssembly.Memory,
    /** @internal The allocator of the linear memory. */
    readonly allocator: Allocator,
    /** @internal The worker pool (null with one thread). */
    readonly pool: ThreadPool | null,
    /** Threads kernels run on, the calling thread included. */
    readonly threads: number,
    descPtr: number,
    /** Which kernel build runs, on how many threads. */
    readonly info: WasmBackendInfo,
  ) {
    const d = new Dispatch(ex, memory, allocator, pool, threads, descPtr);
    this.d = d;
    this.fused = {
      conv2d: (x, w, bias, out, p) => conv2d(d, x, w, bias, out, p),
      conv2dInputGrad: (dy, w, dx, p) => conv2dInputGrad(d, dy, w, dx, p),
      conv2dWeightGrad: (x, dy, dw, p) => conv2dWeightGrad(d, x, dy, dw, p),
      softmax: (x, out, outer, inner, log) => softmax(d, x, out, outer, inner, log),
      layerNorm: (x, w, b, out, mean, rstd, p) => layerNorm(d, x, w, b, out, mean, rstd, p),
      lstmCell: (gx, gh, c, out, act, p) => rnnCell(d, 'lstmCell', gx, gh, c, out, act, p),
      gruCell: (gx, gh, h, out, act, p) => rnnCell(d, 'gruCell', gx, gh, h, out, act, p),
      pool2d: (x, out, indices, divisor, p) => pool2d(d, x, out, indices, divisor, p),
      pool2dBackward: (grad, indices, divisor, dx, p) => pool2dBackward(d, grad, indices, divisor, dx, p),
      expression: (p) => expression(d, p),
    };
  }

  // ---- memory -------------------------------------------------------------------------

  alloc(size: number, dtype: DType): BackendBuffer {
    if (this.d.destroyed) throw new Error('layers wasm: backend was destroyed');
    const bytes = size * ELEM_BYTES[dtype];
    const ptr = this.allocator.alloc(bytes, `${dtype}[${size}]`);
    return new WasmBuffer(ptr, bytes);
  }

  write(buffer: BackendBuffer, dtype: DType, data: TypedArray): void {
    const b = this.d.live(buffer);
    const bytes = data.length * ELEM_BYTES[dtype];
    if (bytes > b.bytes)
      throw new Error(`layers wasm: write of ${bytes} bytes into a ${b.bytes}-byte buffer`);
    this.d.views();
    this.d.u8.set(new Uint8Array(data.buffer, data.byteOffset, bytes), b.ptr);
  }

  readSync(buffer: BackendBuffer, dtype: DType, size: number): TypedArray {
    const b = this.d.live(buffer);
    this.pool?.check();
    this.d.views();
    const bytes = size * ELEM_BYTES[dtype];
    const copy = this.d.u8.slice(b.ptr, b.ptr + bytes).buffer;
    if (dtype === 'float32') return new Float32Array(copy);
    if (dtype === 'int32') return new Int32Array(copy);
    if (dtype === 'float16' || dtype === 'bfloat16') return new Uint16Array(copy);
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
    if (this.d.destroyed) return;
    const b = this.d.live(buffer);
    b.released = true;
    this.allocator.free(b.ptr);
  }

  async sync(): Promise<void> {
    this.pool?.check();
  }

  destroy(): void {
    if (this.d.destroyed) return;
    this.d.destroyed = true;
    this.pool?.destroy();
  }

  // ---- elementwise --------------------------------------------------------------------

  unary(op: UnaryOp, x: View, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    const code = UNARY_OPS.indexOf(op);
    if (code < 0) throw new Error(`layers wasm: unknown unary op '${op}'`);
    const d = this.d.desc(out.shape, [out.strides, x.strides]);
    const cost = code === 0 || code === 1 || code >= 16 ? 1 : 8;
    this.d.par(
      'unary',
      [code, DTYPE_CODE[x.dtype], DTYPE_CODE[out.dtype], d, this.d.addr(x), this.d.addr(out)],
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
    const d = this.d.desc(out.shape, [out.strides, a.strides, b.strides]);
    const cost = code === 4 || code === 7 ? 8 : 1;
    this.d.par(
      'binary',
      [code, DTYPE_CODE[a.dtype], DTYPE_CODE[out.dtype], d, this.d.addr(a), this.d.addr(b), this.d.addr(out)],
      n,
      n * cost,
      64,
    );
  }

  where(cond: View, a: View, b: View, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    const d = this.d.desc(out.shape, [out.strides, a.strides, b.strides, cond.strides]);
    this.d.par(
      'where',
      [DTYPE_CODE[out.dtype], d, this.d.addr(cond), this.d.addr(a), this.d.addr(b), this.d.addr(out)],
      n,
      n,
      64,
    );
  }

  copy(x: View, out: View): void {
    this.d.copy(x, out);
  }

  fill(out: View, value: number): void {
    const n = numel(out.shape);
    if (n === 0) return;
    if (out.dtype === 'float16' || out.dtype === 'bfloat16') {
      this.d.views();
      fillHalf(this.d.u8.buffer, out, this.d.addr(out), value);
      return;
    }
    let bits: number;
    if (out.dtype === 'float32') {
      // Shared scratch: two typed arrays per fill were most of fill's JavaScript cost.
      fillF32[0] = value;
      bits = fillBits[0];
    } else if (out.dtype === 'int32') bits = Number.isFinite(value) ? Math.trunc(value) | 0 : 0;
    else bits = value !== 0 ? 1 : 0;
    const d = this.d.desc(out.shape, [out.strides]);
    this.d.par('fill', [DTYPE_CODE[out.dtype], d, this.d.addr(out), bits], n, n, 64);
  }

  gather(x: View, index: View, dim: number, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    const xs = x.strides.slice();
    const sdim = xs[dim];
    xs[dim] = 0;
    const d = this.d.desc(out.shape, [out.strides, index.strides, xs]);
    this.d.par(
      'gather',
      [DTYPE_CODE[x.dtype], d, this.d.addr(x), this.d.addr(index), this.d.addr(out), sdim],
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
    const d = this.d.desc(index.shape, [os, index.strides, src.strides]);
    this.pool?.check();
    // Repeated indices would race between threads: always one thread.
    this.d.ex.scatterAdd(
      DTYPE_CODE[out.dtype],
      d,
      this.d.addr(out),
      this.d.addr(index),
      this.d.addr(src),
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
    this.d.withContiguous(x, (xp) => {
      this.d.withContiguousOut(out, (op2) => {
        this.d.par('reduce', [code, DTYPE_CODE[x.dtype], xp, op2, inner], outer, outer * inner, 1);
      });
    });
  }

  matmul(a: View, b: View, out: View): void {
    const [B, M, K] = a.shape;
    const N = b.shape[2];
    if (B * M * N === 0) return;
    if (K === 0) this.fill(out, 0);
    else matmul(this.d, a, b, out);
  }

  random(kind: RandomKind, state: PhiloxState, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    this.d.withContiguousOut(out, (o) => {
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
      this.d.par('philox', args, blocks, n * (kind === 'uniform' ? 4 : 16), 1);
    });
  }

  /** Run `fn` on a contiguous copy of `x` when the kernel needs one (the contract says it is). */
}
