/**
 * The Backend contract: the only thing a backend package implements.
 *
 * Design rules (see packages/core/README.md, "How to write a backend"):
 * - Core owns every decision about shapes, broadcasting, views and autograd. A kernel
 *   receives fully resolved `View`s: the output shape is already broadcast, every input
 *   has been expanded to it (stride 0 on broadcast dims), dtypes are already checked.
 * - Core allocates every output buffer with `alloc` and passes it in. Kernels never
 *   allocate user-visible memory, so core can count live bytes per backend.
 * - Kernels return `void`: a backend may execute them immediately (CPU, WASM) or
 *   enqueue them (WebGPU). The only way back to JS is the async `read`.
 * - `readSync` is optional; core's `dataSync()` throws a clear error without it.
 * - Everything under `fused` is optional. Core has a fallback composed of primitives
 *   for each; the conformance suite reports which path ran.
 */
import type { ExprProgram } from '../expr/ir.js';

/**
 * Element type of a tensor. There is no float64 or int64: values from PyTorch convert on load.
 * `float16` and `bfloat16` are stored as 16-bit patterns (see {@link TypedArray}).
 */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'int32' | 'bool';

/**
 * Typed-array storage used on the JS side for each dtype. `bool` is one byte, 0 or 1;
 * `float16` and `bfloat16` are a `Uint16Array` of their bit patterns (Node 20 has no
 * Float16Array; `toArray()` and `item()` give the numbers).
 */
export type TypedArray = Float32Array | Int32Array | Uint8Array | Uint16Array;

/** An opaque handle to backend memory. Core never looks inside. */
export type BackendBuffer = object;

/**
 * A strided window onto a buffer, in elements (not bytes).
 * `shape.length === strides.length`; a stride may be 0 (broadcast) but never negative.
 */
export interface View {
  /** The buffer the view reads or writes. */
  readonly buffer: BackendBuffer;
  /** Element type of the buffer. */
  readonly dtype: DType;
  /** Size of each dimension. */
  readonly shape: readonly number[];
  /** Elements to step per index of each dimension (0 on broadcast dims, never negative). */
  readonly strides: readonly number[];
  /** Element index of the view's first element. */
  readonly offset: number;
}

/** Every elementwise unary op a backend implements. */
export const UNARY_OPS = [
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
] as const;
/** Name of an elementwise unary kernel op (one of {@link UNARY_OPS}). */
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Every elementwise binary op a backend implements. */
export const BINARY_OPS = [
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
] as const;
/** Name of an elementwise binary kernel op (one of {@link BINARY_OPS}). */
export type BinaryOp = (typeof BINARY_OPS)[number];

/**
 * Reduction a `reduce` kernel performs over the inner axis (`argmax`/`argmin` give int32 indices, the first
 * on ties).
 */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

/** Distribution of a `random` kernel: uniform in [0, 1) or standard normal. */
export type RandomKind = 'uniform' | 'normal';

/** Seed and stream position of the counter-based (Philox 4x32-10) generator. */
export interface PhiloxState {
  /** 64-bit key as two 32-bit words. */
  readonly key: readonly [number, number];
  /**
   * Which stream this fill draws from, as two 32-bit words. Block `i` of the fill (elements
   * 4i..4i+3) encrypts the counter `[i, counter[0], counter[1], 0]`.
   */
  readonly counter: readonly [number, number];
}

/**
 * Rules shared by every elementwise kernel (unary, binary, where, copy).
 *
 * 16-bit float views (`float16`, `bfloat16`) reach only `copy`, `fill` and the memory methods
 * (`alloc`, `write`, `read`, `readSync`). Every other kernel, fused ones included, is handed
 * float32 views: core upcasts the inputs, runs the kernel and rounds the result back
 * (core's `compute.ts`), so a backend needs no 16-bit arithmetic.
 */
export interface Kernels {
  /**
   * out[i] = op(x[i]) over `out.shape`. `x` has out's shape (strided).
   * Float ops on float32; `neg`, `abs`, `sign`, `relu` also on int32; `logicalNot` writes bool.
   * `isnan` reads float32 and writes bool. `out` may alias `x` exactly (in-place).
   */
  unary(op: UnaryOp, x: View, out: View): void;
  /**
   * out[i] = op(a[i], b[i]). `a` and `b` have out's shape (broadcast dims have stride 0) and
   * the same dtype. Comparison and logical ops write bool. int32 division is never asked
   * for (core promotes to float, as PyTorch's true division does); `floorDivide` and
   * `remainder` follow Python's sign rules (result has the divisor's sign).
   * `out` may alias an input exactly (in-place accumulate).
   */
  binary(op: BinaryOp, a: View, b: View, out: View): void;
  /** out[i] = cond[i] ? a[i] : b[i]; `cond` is bool, `a`/`b`/`out` share a dtype. */
  where(cond: View, a: View, b: View, out: View): void;
  /**
   * Strided copy with dtype conversion: out[i] = cast(x[i]). float→int truncates toward
   * zero; anything→bool is `!= 0`. Used for contiguous(), cat, pad, in-place assignment.
   * The one kernel that must convert `float16`/`bfloat16` (16-bit patterns) to and from the
   * other dtypes: to 16 bits rounds to nearest even as core's `toFloat16Bits` /
   * `toBFloat16Bits` do (NaN canonical, overflow to ±Infinity, subnormals exact).
   */
  copy(x: View, out: View): void;
  /** Fill every element of `out` with `value` (converted to out's dtype, 16-bit ones included). */
  fill(out: View, value: number): void;
  /**
   * Reduce a contiguous `[outer, inner]` block along `inner` into contiguous `out[outer]`.
   * Core moves the reduced axes last and makes them contiguous before calling.
   * `argmax`/`argmin` write int32 indices (first occurrence of the extreme, NaN wins as
   * in PyTorch); the others keep x's dtype. `max`/`min` propagate NaN.
   */
  reduce(op: ReduceOp, x: View, out: View, outer: number, inner: number): void;
  /**
   * Batched matrix product: `a` is [B, M, K], `b` is [B, K, N] (both strided, possibly
   * transposed or broadcast with stride 0 on B), `out` contiguous [B, M, N]. float32 only.
   */
  matmul(a: View, b: View, out: View): void;
  /**
   * torch.gather along `dim`: out[i][j][k] = x[index[i][j][k]][j][k] (for dim 0).
   * `index` is int32 with out's shape (strided); `x` has the same rank. Indices are
   * already bounds-checked by core.
   */
  gather(x: View, index: View, dim: number, out: View): void;
  /**
   * torch.Tensor.scatter_add_ in place on `out` (contiguous):
   * out[index[i][j][k]][j][k] += src[i][j][k] (for dim 0). `index` and `src` share a
   * shape; indices are bounds-checked by core. Must be correct when indices repeat.
   */
  scatterAdd(out: View, index: View, src: View, dim: number): void;
  /**
   * Fill contiguous float32 `out` from Philox 4x32-10 with the exact mapping in
   * `@layers/core`'s `philox.ts` (uniform: [0, 1) from the top 24 bits of each word;
   * normal: Box-Muller on consecutive pairs). Every backend gives the same stream.
   */
  random(kind: RandomKind, state: PhiloxState, out: View): void;
}

/** Optional fast paths. Each has a fallback in core built from `Kernels`. */
export interface FusedKernels {
  /**
   * 2-D convolution, NCHW: x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or null, out
   * [N, O, OH, OW] (all contiguous). out[n][o][oh][ow] = bias[o] + sum over c < C/groups, i, j
   * of w[o][c][i][j] * x[n][g*C/groups + c][oh*stride[0] - padding[0] + i*dilation[0]][ow*stride[1]
   * - padding[1] + j*dilation[1]] (g = the group of o), where a position outside x reads zero
   * (implicit zero padding: core does not pad). OH and OW come from out's shape, which also
   * fixes the trailing padding (asymmetric for padding 'same'); do not recompute them.
   */
  conv2d?(x: View, w: View, bias: View | null, out: View, p: Conv2dParams): void;
  /**
   * The input gradient of {@link FusedKernels.conv2d} (also the transposed convolution's
   * forward): dy [N, O, OH, OW], w [O, C/groups, kh, kw] and dx [N, C, H, W], contiguous.
   * Writes (not adds) dx[n][c'][h][w] = the sum of w[o][c][i][j] * dy[n][o][oh][ow] over every
   * (o, i, j, oh, ow) whose tap lands on (h, w) by conv2d's index map (c' = g*C/groups + c).
   * Shapes are independent (H, W are not derived from OH, OW): taps outside dx are dropped.
   */
  conv2dInputGrad?(dy: View, w: View, dx: View, p: Conv2dParams): void;
  /**
   * The weight gradient of {@link FusedKernels.conv2d}: x [N, C, H, W], dy [N, O, OH, OW], dw
   * [O, C/groups, kh, kw], contiguous. Writes dw[o][c][i][j] = the sum over n, oh, ow of
   * dy[n][o][oh][ow] * x at conv2d's index map (zero outside x).
   */
  conv2dWeightGrad?(x: View, dy: View, dw: View, p: Conv2dParams): void;
  /** Softmax (or log-softmax) over the last axis of a contiguous [outer, inner] block. */
  softmax?(x: View, out: View, outer: number, inner: number, log: boolean): void;
  /**
   * LayerNorm forward over the last `p.inner` elements of contiguous [outer, inner];
   * writes normalised*weight+bias to `out` and per-row mean and rstd (float32 [outer]).
   */
  layerNorm?(
    x: View,
    weight: View | null,
    bias: View | null,
    out: View,
    mean: View,
    rstd: View,
    p: LayerNormParams,
  ): void;
  /**
   * The pointwise half of one LSTM step (core runs the two projections as matmuls). All
   * views contiguous float32. `gx`, `gh` [batch, 4*hidden] are the input and hidden
   * projections (biases folded into gx), gate order i, f, g, o; `c` [batch, hidden] is the
   * previous cell. Writes `out` [2, batch, hidden] = (h', c') and `act` [batch, 4*hidden] =
   * (sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)) for the backward pass. Rounds like the
   * composed ops: gates = gx + gh; c' = f*c + i*g; h' = o * tanh(c').
   */
  lstmCell?(gx: View, gh: View, c: View, out: View, act: View, p: RnnCellParams): void;
  /**
   * The pointwise half of one GRU step. All views contiguous float32. `gx`, `gh`
   * [batch, 3*hidden] are x W_ih^T + b_ih and h W_hh^T + b_hh, gate order r, z, n; `h`
   * [batch, hidden] is the previous state. Writes `out` [batch, hidden] and `act`
   * [batch, 3*hidden] = (r, z, n). Rounds like the composed ops: r, z = sigmoid(gx + gh);
   * n = tanh(gx_n + r * gh_n); h' = n + z * (h - n).
   */
  gruCell?(gx: View, gh: View, h: View, out: View, act: View, p: RnnCellParams): void;
  /**
   * 2-D max or average pooling, NCHW (1-D pools arrive with H = 1). `x` [N, C, H, W] and
   * `out` [N, C, OH, OW] contiguous float32. Window (oh, ow) covers rows
   * oh * stride[0] - padding[0] + i * dilation[0] for i < kernel[0], columns likewise;
   * positions outside the input are skipped. max: NaN wins; `indices` (int32, out's shape,
   * or null) gets h * W + w of the first maximum (or first NaN). avg: the sum over the
   * window's input positions divided by `divisor` (float32 [OH * OW], PyTorch's rules,
   * computed by core).
   */
  pool2d?(x: View, out: View, indices: View | null, divisor: View | null, p: Pool2dParams): void;
  /**
   * The input gradient of {@link FusedKernels.pool2d}: `grad` [N, C, OH, OW] and `dx` [N, C,
   * H, W] contiguous float32, `p` the forward's. Writes (not adds) every element of dx. max:
   * dx[n][c][h][w] = the sum of grad[n][c][o] over the windows o whose saved
   * indices[n][c][o] (int32, the forward's) is h * W + w; avg: the sum of grad[n][c][o] /
   * divisor[o] over the windows o that contain (h, w).
   */
  pool2dBackward?(grad: View, indices: View | null, divisor: View | null, dx: View, p: Pool2dParams): void;
  /**
   * Run one scalar expression program (core's `expr` IR, packages/core/src/expr/ir.ts) over
   * every element as one kernel, compiling it once per `program.key` and caching it. See
   * {@link ExpressionParams} for the shapes; the semantics of every node are those of the
   * required kernel of the same name, as core's reference interpreter defines them.
   */
  expression?(p: ExpressionParams): void;
}

/**
 * One call of {@link FusedKernels.expression}.
 *
 * Without a reduction every view has the call's shape: inputs are already broadcast to it
 * (stride 0 on broadcast dims, like `binary`), outputs are strided views of it. With
 * `program.reduce`, inputs are `[outer, inner]` views (strided, possibly broadcast) and
 * outputs `[outer]` views. An output may alias an input exactly (same buffer, offset and
 * strides: an in-place update reads every input of an element before writing it); outputs
 * never overlap each other. `inputs[i].dtype` matches the program's load of input i and
 * `outputs[j].dtype` the dtype of node `program.outputs[j]`.
 */
export interface ExpressionParams {
  /** The program (its `key` identifies it for caching). */
  readonly program: ExprProgram;
  /** One view per input, `program.inputCount` of them. */
  readonly inputs: readonly View[];
  /** One view per output, `program.outputs.length` of them. */
  readonly outputs: readonly View[];
  /** The per-call scalars, `program.paramCount` of them. */
  readonly params: readonly number[];
}

/** Geometry of a fused {@link FusedKernels.layerNorm} call: `outer` rows of `inner` elements. */
export interface LayerNormParams {
  /** Rows normalised independently: the product of the dimensions before the normalised ones. */
  readonly outer: number;
  /** Elements per row: the product of the normalised (trailing) dimensions. */
  readonly inner: number;
  /** Added to the biased variance before the square root. */
  readonly eps: number;
}

/** Geometry of a fused {@link FusedKernels.lstmCell} / {@link FusedKernels.gruCell} call. */
export interface RnnCellParams {
  /** Rows of the step: the batch size (1 for an unbatched input). */
  readonly batch: number;
  /** Hidden size H; the gate views are `batch x (gates * H)`. */
  readonly hidden: number;
}

/** Geometry of a fused {@link FusedKernels.pool2d} call, as (height, width) pairs. */
export interface Pool2dParams {
  /** Max or average pooling. */
  readonly mode: 'max' | 'avg';
  /** Window size. */
  readonly kernel: readonly [number, number];
  /** Window step. */
  readonly stride: readonly [number, number];
  /** Implicit padding on each side (positions outside the input are skipped). */
  readonly padding: readonly [number, number];
  /** Spacing between window elements. */
  readonly dilation: readonly [number, number];
}

/**
 * Geometry of the fused {@link FusedKernels.conv2d}, {@link FusedKernels.conv2dInputGrad} and
 * {@link FusedKernels.conv2dWeightGrad} calls, as (height, width) pairs.
 */
export interface Conv2dParams {
  /** Window step. */
  readonly stride: readonly [number, number];
  /**
   * Implicit zero rows and columns before the input (top, left); the output's shape fixes the
   * trailing ones.
   */
  readonly padding: readonly [number, number];
  /** Spacing between kernel taps. */
  readonly dilation: readonly [number, number];
  /** Channel groups. */
  readonly groups: number;
}

export interface Backend extends Kernels {
  /** Short stable name: 'cpu', 'wasm', 'webgpu'. */
  readonly name: string;
  /** Allocate room for `size` elements of `dtype`. Contents are unspecified. */
  alloc(size: number, dtype: DType): BackendBuffer;
  /** Write `data` (length ≤ capacity) at element 0. May be queued. */
  write(buffer: BackendBuffer, dtype: DType, data: TypedArray): void;
  /** Read `size` elements from element 0, after every queued kernel that writes it. */
  read(buffer: BackendBuffer, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read, only where the device allows it. */
  readSync?(buffer: BackendBuffer, dtype: DType, size: number): TypedArray;
  /** Give the memory back. Called exactly once per buffer; queued uses stay valid. */
  release(buffer: BackendBuffer): void;
  /** Optional fast paths. */
  readonly fused: FusedKernels;
  /**
   * Kernels that take float16 views natively (optional; absent means none): names of
   * {@link Kernels} methods (`'matmul'`, `'reduce'`) or of {@link FusedKernels} entries
   * (`'expression'`). Core hands 16-bit views only to `copy` and `fill` and runs every other
   * kernel on float32 temporaries (backend/compute.ts); a kernel named here gets its float16
   * views as they are, and must load them exactly, compute in float32 (matmul and reductions
   * accumulate in float32) and round each stored float16 result once, to nearest even: the
   * numbers the temporaries give, without the widening copies. bfloat16 views always go
   * through temporaries.
   */
  readonly float16Kernels?: ReadonlySet<string>;
  /**
   * Wait until every queued kernel has run and report any deferred device error
   * (out of memory, device lost). Optional for synchronous backends.
   */
  sync?(): Promise<void>;
  /** Free everything (worker threads, device). The backend is unusable afterwards. */
  destroy?(): void | Promise<void>;
  /**
   * Optional device timing for core's `profile()`, for backends whose kernels run after the
   * call returns (WebGPU timestamp queries). Core times every kernel call on the host itself.
   */
  readonly profiling?: DeviceProfiling;
}

/** A backend's device-side timer, used by `profile()`. */
export interface DeviceProfiling {
  /**
   * Start timing device work. Returns null when the device cannot time (for example an
   * adapter without timestamp queries).
   */
  start(): DeviceProfileSession | null;
}

/** One timing session of {@link DeviceProfiling}. */
export interface DeviceProfileSession {
  /**
   * Core calls this before each kernel call it times, with the row name the device work
   * that call enqueues is to be counted under.
   */
  enter(kernel: string): void;
  /**
   * Stop timing and resolve device milliseconds per kernel, keyed as `profile()` names its
   * rows: the method name (`matmul`, `copy`), `unary:<op>`, `binary:<op>`, `reduce:<op>`,
   * or `fused:<name>`.
   */
  stop(): Promise<ReadonlyMap<string, number>>;
}
