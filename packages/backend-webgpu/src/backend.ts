import type {
  Backend,
  BackendBuffer,
  BinaryOp,
  Conv2dParams,
  DeviceProfiling,
  DType,
  FusedKernels,
  PhiloxState,
  RandomKind,
  ReduceOp,
  TypedArray,
  UnaryOp,
  View,
} from '@layers/core';
import { expr, toBFloat16Bits, toFloat16Bits } from '@layers/core';
import { dispatchExpression } from './expr/dispatch.js';
import type { ExprCall } from './expr/program.js';
import { acquireDevice, hasShaderF16, type WebGPUBackendOptions } from './gpu.js';
import { f32Bits, grid, IndexPlan, isContiguous, u32s, WG } from './kernels/common.js';
import { binaryShader, copyShader, fillShader, unaryShader, whereShader } from './kernels/elementwise.js';
import { halfAsF32, halfCopyShader, halfFillShader, isPacked, storageOf, wordsFor } from './kernels/half.js';
import { gatherParams, gatherShader, scatterAddShader } from './kernels/indexing.js';
import { RANDOM_WG, randomShader } from './kernels/random.js';
import { reduceShader } from './kernels/reduce.js';
import { conv2dInputGradOp, conv2dOp, conv2dWeightGradOp } from './ops/conv.js';
import { type FusedContext, layerNormOp, rnnCellOp, softmaxOp } from './ops/fused.js';
import { type GemmContext, matmulOp } from './ops/gemm.js';
import { pool2dBackwardOp, pool2dOp } from './ops/pool2d.js';
import { GPUTensorBuffer, type PoolStats } from './pool.js';
import { type Binding, Runtime } from './runtime.js';
import { adapterKey, isCpuAdapter, Tuner, type TuningOptions, type TuningTable } from './tuning/tuner.js';

const prefix = '@layers/backend-webgpu';

function handle(buf: BackendBuffer): GPUTensorBuffer {
  if (!(buf instanceof GPUTensorBuffer)) {
    throw new Error(`${prefix}: this buffer does not belong to a WebGPU backend`);
  }
  if (buf.released) throw new Error(`${prefix}: use of a released buffer`);
  return buf;
}

/**
 * Chunks per row for a two-pass reduction, or 1. Arg ops need global indices and stay in
 * one pass; the chunk count divides the row so both passes are plain row reductions.
 */
function splitRows(op: ReduceOp, outer: number, inner: number): number {
  if (op === 'argmax' || op === 'argmin' || outer >= 64 || inner < 8192) return 1;
  for (let c = 64; c >= 2; c >>= 1) if (inner % c === 0 && outer * c <= 512) return c;
  return 1;
}

/**
 * The backend {@link createWebGPUBackend} returns: kernels are WGSL compute shaders encoded
 * into command buffers and submitted without waiting; only `read` waits. No `readSync`, so
 * `dataSync()` throws: use `await t.data()`.
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly fused: FusedKernels;
  /** @internal Pipelines, dispatch and the buffer pool. */
  readonly runtime: Runtime;
  /** Device timing for core's profile(), through timestamp queries where the adapter has them. */
  readonly profiling: DeviceProfiling = { start: () => this.runtime.startTimer() };
  /**
   * Forces one matmul/conv2d variant (tests; names in ops/gemm.ts, e.g. 't:large', 'd:d4x4');
   * null lets the tuning table or the heuristic pick.
   */
  gemmOverride: string | null = null;
  /**
   * Kernels that bind float16 views as array<f16> (contract: float16Kernels): matmul, reduce
   * and the expression kernel on a device with `shader-f16`, none elsewhere (core then widens
   * to float32 temporaries).
   */
  readonly float16Kernels: ReadonlySet<string>;
  private readonly tuner: Tuner;
  private readonly cpuAdapter: boolean;

  constructor(
    /** The device the kernels run on. */
    readonly device: GPUDevice,
    subgroups: boolean,
    /** Holds the Node `webgpu` instance so it outlives every use of the device. */
    readonly instance: GPU | null = null,
    /** Tuning options and the adapter's identity (default: the device's adapterInfo). */
    tuning: TuningOptions & { info?: GPUAdapterInfo | null } = {},
  ) {
    this.runtime = new Runtime(device, subgroups);
    this.float16Kernels = new Set(hasShaderF16(device) ? ['matmul', 'reduce', 'expression'] : []);
    const info = tuning.info ?? (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo ?? null;
    this.cpuAdapter = isCpuAdapter(info);
    this.tuner = new Tuner(adapterKey(info, device.limits), tuning.autotune !== false, tuning.table, () =>
      this.runtime.quiet(),
    );
    const fc: FusedContext = { runtime: this.runtime, bind: (v, write) => this.bind(v, write) };
    this.fused = {
      conv2d: (x, w, bias, out, p) => this.conv2d(x, w, bias, out, p),
      conv2dInputGrad: (dy, w, dx, p) =>
        conv2dInputGradOp(this.gemm, dy, w, dx, p, (v) => handle(v.buffer).gpu),
      conv2dWeightGrad: (x, dy, dw, p) =>
        conv2dWeightGradOp(this.gemm, x, dy, dw, p, (v) => handle(v.buffer).gpu),
      softmax: (x, out, outer, inner, log) => softmaxOp(fc, x, out, outer, inner, log),
      layerNorm: (x, weight, bias, out, mean, rstd, p) =>
        layerNormOp(fc, x, weight, bias, out, mean, rstd, p),
      lstmCell: (gx, gh, c, out, act, p) => rnnCellOp(fc, 'lstm', gx, gh, c, out, act, p),
      gruCell: (gx, gh, h, out, act, p) => rnnCellOp(fc, 'gru', gx, gh, h, out, act, p),
      pool2d: (x, out, indices, divisor, p) => pool2dOp(fc, x, out, indices, divisor, p),
      pool2dBackward: (grad, indices, divisor, dx, p) => pool2dBackwardOp(fc, grad, indices, divisor, dx, p),
      expression: (p) => this.expression(p),
    };
  }

  /**
   * The kernel tuning table (this adapter's measured choices, plus entries preloaded for
   * other adapters): persist it (it is plain JSON) and pass it back as
   * `createWebGPUBackend({ tuning: { table } })` so a later session does not tune again.
   */
  tuning(): TuningTable {
    return this.tuner.table();
  }

  /** Resolves once the autotuning jobs started so far have finished (they run in the background). */
  tuningSettled(): Promise<void> {
    return this.tuner.settled();
  }

  /** This adapter's key in the tuning table (vendor, architecture, device, limits). */
  get adapterKey(): string {
    return this.tuner.adapterKey;
  }

  private get gemm(): GemmContext {
    return {
      runtime: this.runtime,
      tuner: this.tuner,
      cpuAdapter: this.cpuAdapter,
      override: this.gemmOverride,
    };
  }

  /** Memory accounting of the buffer pool. */
  memory(): PoolStats {
    return this.runtime.pool.getStats();
  }

  // ---- memory ----

  alloc(size: number, dtype: DType): BackendBuffer {
    if (!Number.isInteger(size) || size < 0) throw new Error(`${prefix}: bad allocation size ${size}`);
    // float16/bfloat16: two elements per word (kernels/half.ts).
    return this.runtime.allocate(wordsFor(dtype, size));
  }

  write(buffer: BackendBuffer, dtype: DType, data: TypedArray): void {
    const h = handle(buffer);
    if (wordsFor(dtype, data.length) > h.capacity) {
      throw new Error(`${prefix}: write of ${data.length} elements into a buffer of ${h.capacity}`);
    }
    let words: ArrayBufferView = data;
    if (isPacked(dtype)) {
      // Whole words: an odd count gets a zero high half.
      const w = new Uint16Array(wordsFor(dtype, data.length) * 2);
      w.set(data);
      words = w;
    } else if (dtype === 'bool') {
      // One u32 per bool on the GPU: WGSL storage has no 8-bit type.
      const w = new Uint32Array(data.length);
      for (let i = 0; i < data.length; i++) w[i] = data[i] ? 1 : 0;
      words = w;
    }
    this.runtime.write(h.gpu, words);
  }

  async read(buffer: BackendBuffer, dtype: DType, size: number): Promise<TypedArray> {
    const h = handle(buffer);
    if (wordsFor(dtype, size) > h.capacity)
      throw new Error(`${prefix}: read of ${size} elements from a buffer of ${h.capacity}`);
    if (isPacked(dtype)) {
      if (size === 0) return new Uint16Array(0);
      const bytes = await this.runtime.read(h.gpu, wordsFor(dtype, size) * 4);
      return new Uint16Array(bytes, 0, size);
    }
    if (size === 0) {
      return dtype === 'float32'
        ? new Float32Array(0)
        : dtype === 'int32'
          ? new Int32Array(0)
          : new Uint8Array(0);
    }
    const bytes = await this.runtime.read(h.gpu, size * 4);
    if (dtype === 'float32') return new Float32Array(bytes);
    if (dtype === 'int32') return new Int32Array(bytes);
    const w = new Uint32Array(bytes);
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = w[i] ? 1 : 0;
    return out;
  }

  release(buffer: BackendBuffer): void {
    if (!(buffer instanceof GPUTensorBuffer)) throw new Error(`${prefix}: foreign buffer released`);
    this.runtime.release(buffer);
  }

  sync(): Promise<void> {
    return this.runtime.sync();
  }

  destroy(): void {
    this.runtime.destroy();
  }

  // ---- helpers ----

  private bind(view: View, write = false): Binding {
    return { buffer: handle(view.buffer).gpu, write };
  }

  private get maxDim(): number {
    return this.runtime.limits.maxComputeWorkgroupsPerDimension;
  }

  /** Dispatch an elementwise shader over `out.shape`, views = [out, ...inputs]. */
  private elementwise(
    key: string,
    make: (indexCode: string) => string,
    out: View,
    inputs: View[],
    extra: number[] = [],
  ): { plan: IndexPlan } {
    const views = [out, ...inputs];
    const plan = new IndexPlan(out.shape, views);
    const params = [...plan.params, ...extra];
    if (plan.n === 0) return { plan };
    this.runtime.dispatch({
      key: `${key}|${plan.key}|${plan.params.length}`,
      source: () => make(plan.indexCode()),
      bindings: [this.bind(out, true), ...inputs.map((v) => this.bind(v))],
      params: u32s(params),
      workgroups: grid(Math.ceil(plan.n / WG), this.maxDim),
    });
    return { plan };
  }

  /** A contiguous copy of `v` when a kernel needs contiguous input. Caller releases it. */
  private contiguous(v: View): { view: View; temp: GPUTensorBuffer | null } {
    if (isContiguous(v.shape, v.strides)) return { view: v, temp: null };
    const n = v.shape.reduce((a, b) => a * b, 1);
    const temp = this.runtime.allocate(n);
    const strides: number[] = [];
    let s = 1;
    for (let d = v.shape.length - 1; d >= 0; d--) {
      strides[d] = s;
      s *= v.shape[d];
    }
    const view: View = { buffer: temp, dtype: v.dtype, shape: v.shape, strides, offset: 0 };
    this.copy(v, view);
    return { view, temp };
  }

  // ---- elementwise ----

  unary(op: UnaryOp, x: View, out: View): void {
    this.elementwise(
      `u|${op}|${x.dtype}|${out.dtype}`,
      (ic) => unaryShader(op, x.dtype, out.dtype, ic),
      out,
      [x],
    );
  }

  binary(op: BinaryOp, a: View, b: View, out: View): void {
    // Comparisons and logic write bool whatever the operands (core's one scalar table).
    const outType = expr.binaryResultDType(op, out.dtype);
    this.elementwise(`b|${op}|${a.dtype}|${outType}`, (ic) => binaryShader(op, a.dtype, outType, ic), out, [
      a,
      b,
    ]);
  }

  where(cond: View, a: View, b: View, out: View): void {
    this.elementwise('where', (ic) => whereShader(ic), out, [cond, a, b]);
  }

  copy(x: View, out: View): void {
    if (isPacked(x.dtype) || isPacked(out.dtype)) {
      this.elementwise(`hcopy|${x.dtype}|${out.dtype}`, (ic) => halfCopyShader(x.dtype, out.dtype, ic), out, [
        x,
      ]);
      return;
    }
    this.elementwise(`copy|${x.dtype}|${out.dtype}`, (ic) => copyShader(x.dtype, out.dtype, ic), out, [x]);
  }

  fill(out: View, value: number): void {
    if (isPacked(out.dtype)) {
      const bits = out.dtype === 'float16' ? toFloat16Bits(value) : toBFloat16Bits(value);
      const hp = new IndexPlan(out.shape, [out]);
      this.elementwise('hfill', (ic) => halfFillShader(ic, hp.params.length), out, [], [bits]);
      return;
    }
    let word: number;
    if (out.dtype === 'float32') word = f32Bits(value);
    else if (out.dtype === 'int32') word = Math.trunc(value) | 0;
    else word = value !== 0 ? 1 : 0;
    const plan = new IndexPlan(out.shape, [out]);
    this.elementwise('fill', (ic) => fillShader(ic, plan.params.length), out, [], [word]);
  }

  // ---- reductions ----

  reduce(op: ReduceOp, x: View, out: View, outer: number, inner: number): void {
    if (outer === 0) return;
    const { view: xc, temp } = this.contiguous(x);
    const chunks = splitRows(op, outer, inner);
    if (chunks > 1) {
      // Few long rows would occupy a handful of workgroups: reduce chunks of every row into
      // [outer, chunks] partials first, then those rows.
      const part = this.runtime.allocate(outer * chunks);
      // float16 partials stay float32: the second pass rounds once.
      const pv: View = {
        buffer: part,
        dtype: halfAsF32(out.dtype),
        shape: [outer * chunks],
        strides: [1],
        offset: 0,
      };
      this.reduce(op, xc, pv, outer * chunks, inner / chunks);
      this.reduce(op, pv, out, outer, chunks);
      this.runtime.release(part);
      if (temp) this.runtime.release(temp);
      return;
    }
    // One thread per row where rows are short or, on CPU adapters (where a workgroup barrier
    // is a switch of every invocation), wherever there are rows enough to fill the threads.
    const perRow = inner < 64 || (outer >= 4096 && inner < 1024) || (this.cpuAdapter && outer >= 64);
    const groups = perRow ? Math.ceil(outer / 64) : outer;
    this.runtime.dispatch({
      key: `red|${op}|${x.dtype}|${out.dtype}|${perRow}`,
      // float16 (only where float16Kernels lists reduce: shader-f16) computes in float32.
      source: () => reduceShader(op, halfAsF32(x.dtype), perRow, storageOf(x.dtype), storageOf(out.dtype)),
      bindings: [this.bind(out, true), this.bind(xc)],
      params: u32s([outer, inner, xc.offset, out.offset, 0]),
      workgroups: grid(groups, this.maxDim),
    });
    if (temp) this.runtime.release(temp);
  }

  // ---- matmul / conv ----

  matmul(a: View, b: View, out: View): void {
    const [B, M, K] = a.shape;
    const N = b.shape[2];
    if (B * M * N === 0) return;
    if (K === 0) {
      this.fill(out, 0);
      return;
    }
    matmulOp(this.gemm, a, b, out, (v) => handle(v.buffer).gpu);
  }

  private conv2d(x: View, w: View, bias: View | null, out: View, p: Conv2dParams): void {
    if (out.shape.reduce((a, b) => a * b, 1) === 0) return;
    const xc = this.contiguous(x);
    const wc = this.contiguous(w);
    conv2dOp(this.gemm, xc.view, wc.view, bias, out, p, (v) => handle(v.buffer).gpu);
    if (xc.temp) this.runtime.release(xc.temp);
    if (wc.temp) this.runtime.release(wc.temp);
  }

  // ---- indexing ----

  gather(x: View, index: View, dim: number, out: View): void {
    const rank = out.shape.length;
    const params = gatherParams(out.shape, [out, index, x]);
    const n = params[0];
    if (n === 0) return;
    this.runtime.dispatch({
      key: `gather|${rank}|${dim}`,
      source: () => gatherShader(rank, dim),
      bindings: [this.bind(out, true), this.bind(index), this.bind(x)],
      params: u32s(params),
      workgroups: grid(Math.ceil(n / WG), this.maxDim),
    });
  }

  scatterAdd(out: View, index: View, src: View, dim: number): void {
    const rank = index.shape.length;
    const params = gatherParams(index.shape, [index, src, out]);
    const n = params[0];
    if (n === 0) return;
    if (out.dtype === 'bool') throw new Error(`${prefix}: scatterAdd on bool is not supported`);
    this.runtime.dispatch({
      key: `scatter|${rank}|${dim}|${out.dtype}`,
      source: () => scatterAddShader(rank, dim, out.dtype),
      bindings: [this.bind(out, true), this.bind(index), this.bind(src)],
      params: u32s(params),
      workgroups: grid(Math.ceil(n / WG), this.maxDim),
    });
  }

  // ---- random ----

  random(kind: RandomKind, state: PhiloxState, out: View): void {
    const n = out.shape.reduce((a, b) => a * b, 1);
    if (n === 0) return;
    const blocks = Math.ceil(n / 4);
    this.runtime.dispatch({
      key: `rand|${kind}`,
      source: () => randomShader(kind),
      bindings: [this.bind(out, true)],
      params: u32s([n, state.key[0], state.key[1], state.counter[0], state.counter[1], out.offset]),
      workgroups: grid(Math.ceil(blocks / RANDOM_WG), this.maxDim),
    });
  }

  // ---- fused ----

  /** @internal One expression program as one dispatch (see expr/dispatch.ts). */
  expression(call: ExprCall): void {
    dispatchExpression(this.runtime, (v) => handle(v.buffer).gpu, call);
  }
}

/**
 * Create the WebGPU backend: `navigator.gpu` in browsers; in Node the `webgpu` package
 * (Dawn) is imported on demand. Throws when no adapter or device can be had. Device errors
 * (out of memory, device loss) surface on the next `await` rather than as a hang.
 *
 * @example
 * ```ts
 * import { setBackend, tensor } from '@layers/core';
 * import { createWebGPUBackend } from '@layers/backend-webgpu';
 *
 * const gpu = await createWebGPUBackend({ powerPreference: 'high-performance' });
 * setBackend(gpu);
 * const y = tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]]));
 * await y.data(); // Float32Array [3, 7]; dataSync() is not available on WebGPU
 * ```
 */
export async function createWebGPUBackend(opts: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const got = await acquireDevice(opts);
  const info = got.adapter?.info ?? null;
  return new WebGPUBackend(got.device, got.subgroups, got.instance, { ...opts.tuning, info });
}
