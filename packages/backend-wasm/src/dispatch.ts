/**
 * What every kernel call needs, shared by the backend and the op modules (ops/): byte
 * addresses of views, scratch blocks, iteration descriptors, contiguous copies, and `par`,
 * which runs a kernel over a range on this thread or split over the pool.
 */
import type { BackendBuffer, View } from '@layers/core';
import {
  contiguousStrides,
  DTYPE_CODE,
  ELEM_BYTES,
  type Exports,
  type KernelName,
  PARALLEL_KERNELS,
  WasmBuffer,
} from './abi.js';
import type { Allocator } from './allocator.js';
import { copyHalf } from './half.js';
import type { ThreadPool } from './pool.js';
import { coalesce, isContiguous, numel, writeDesc } from './strided.js';

/** Below this many element-operations a kernel runs on the calling thread alone. */
const PAR_WORK = 1 << 16;

/** @internal The kernel-calling state of one backend. */
export class Dispatch {
  private buf: ArrayBuffer | SharedArrayBuffer;
  /** Bytes of the linear memory; refreshed by {@link Dispatch.views}. */
  u8: Uint8Array;
  /** The same memory as words; refreshed with u8. */
  i32: Int32Array;
  destroyed = false;

  constructor(
    readonly ex: Exports,
    private readonly memory: WebAssembly.Memory,
    readonly allocator: Allocator,
    readonly pool: ThreadPool | null,
    readonly threads: number,
    private readonly descPtr: number,
  ) {
    this.buf = memory.buffer;
    this.u8 = new Uint8Array(this.buf);
    this.i32 = new Int32Array(this.buf);
  }

  /** Views into the memory go stale when it grows; refresh lazily. */
  views(): void {
    if (this.buf.byteLength !== this.memory.buffer.byteLength || this.buf !== this.memory.buffer) {
      this.buf = this.memory.buffer;
      this.u8 = new Uint8Array(this.buf);
      this.i32 = new Int32Array(this.buf);
    }
  }

  live(b: BackendBuffer): WasmBuffer {
    if (this.destroyed) throw new Error('layers wasm: backend was destroyed');
    const w = b as WasmBuffer;
    if (!(w instanceof WasmBuffer))
      throw new Error('layers wasm: buffer does not belong to the wasm backend');
    if (w.released) throw new Error('layers wasm: use of a released buffer');
    return w;
  }

  /** Byte address of a view's first element. */
  addr(v: View): number {
    return this.live(v.buffer).ptr + v.offset * ELEM_BYTES[v.dtype];
  }

  /** Internal scratch (packing, im2col), released by the caller with {@link Dispatch.free}. */
  scratch(bytes: number): number {
    return this.allocator.alloc(bytes, `scratch ${bytes} bytes`);
  }

  free(ptr: number): void {
    this.allocator.free(ptr);
  }

  /**
   * Run a kernel over [0, total), on several threads when the work is large enough. `work`
   * estimates element-operations for the whole range; small work stays on this thread.
   * Threads claim pieces (about four per thread, multiples of `align`) as they go, so a
   * thread that gets less CPU time takes fewer; any split gives the same result, as every
   * kernel writes each output element from one piece.
   */
  par(name: KernelName, args: number[], total: number, work: number, align = 1): void {
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
    const grain = Math.max(align, Math.ceil(total / (4 * nt) / align) * align);
    this.pool!.run(PARALLEL_KERNELS.indexOf(name), args, total, nt, grain, (lo, hi) => fn(...args, lo, hi));
  }

  /** Coalesce operands (operand 0 first) and write the descriptor; returns its address. */
  desc(shape: readonly number[], strides: (readonly number[])[]): number {
    this.views();
    writeDesc(this.i32, this.descPtr >> 2, coalesce(shape, strides));
    return this.descPtr;
  }

  /** Strided copy with casts: the `copy` kernel over `out`'s shape. */
  copy(x: View, out: View): void {
    const n = numel(out.shape);
    if (n === 0) return;
    this.views();
    if (copyHalf(this.buf, x, this.addr(x), out, this.addr(out))) return;
    const c = coalesce(out.shape, [out.strides, x.strides]);
    if (this.transpose(x, out, c, n)) return;
    writeDesc(this.i32, this.descPtr >> 2, c);
    this.par(
      'copy',
      [DTYPE_CODE[x.dtype], DTYPE_CODE[out.dtype], this.descPtr, this.addr(x), this.addr(out)],
      n,
      n,
      64,
    );
  }

  /**
   * A copy that transposes its last two (coalesced) dims, 4-byte elements, rank 2 or 3: out
   * contiguous along the last dim, x along the one before. assembly/transpose.ts's blocked
   * kernel instead of a strided copy that reads a cache line per element (measured: the LSTM
   * training step's [64, 512, 32] transposed copy). False where it does not apply.
   */
  private transpose(x: View, out: View, c: ReturnType<typeof coalesce>, n: number): boolean {
    const r = c.shape.length;
    if (x.dtype !== out.dtype || ELEM_BYTES[x.dtype] !== 4 || n < 4096 || r < 2 || r > 3) return false;
    const [so, sx] = c.strides;
    if (so[r - 1] !== 1 || sx[r - 2] !== 1 || sx[r - 1] === 1) return false;
    const R = c.shape[r - 2];
    const C = c.shape[r - 1];
    const B = r === 3 ? c.shape[0] : 1;
    const args = [
      this.addr(x),
      this.addr(out),
      R,
      C,
      r === 3 ? sx[0] : 0,
      sx[r - 1],
      r === 3 ? so[0] : 0,
      so[r - 2],
    ];
    this.par('transpose', args, this.ex.transposeItems(B, R), n);
    return true;
  }

  /** Run `fn` on a contiguous copy of `x` when the kernel needs one (the contract says it is). */
  withContiguous(x: View, fn: (ptr: number) => void): void {
    if (isContiguous(x.shape, x.strides)) {
      fn(this.addr(x));
      return;
    }
    const tmp = this.scratch(numel(x.shape) * ELEM_BYTES[x.dtype]);
    try {
      this.copy(x, this.contiguousView(x, tmp));
      fn(tmp);
    } finally {
      this.free(tmp);
    }
  }

  /** Run `fn` on a contiguous scratch output, then copy it into the strided `out`. */
  withContiguousOut(out: View, fn: (ptr: number) => void): void {
    if (isContiguous(out.shape, out.strides)) {
      fn(this.addr(out));
      return;
    }
    const tmp = this.scratch(numel(out.shape) * ELEM_BYTES[out.dtype]);
    try {
      fn(tmp);
      this.copy(this.contiguousView(out, tmp), out);
    } finally {
      this.free(tmp);
    }
  }

  /** A contiguous view of `v`'s shape and dtype over the block at `ptr`. */
  contiguousView(v: View, ptr: number): View {
    const bytes = numel(v.shape) * ELEM_BYTES[v.dtype];
    return {
      buffer: new WasmBuffer(ptr, bytes),
      dtype: v.dtype,
      shape: v.shape,
      strides: contiguousStrides(v.shape),
      offset: 0,
    };
  }
}
