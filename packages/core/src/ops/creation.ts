/** Creating tensors: from data, constants, ranges, and the seeded random generator. */
import { kernels } from '../backend/compute.js';
import type { Backend, DType, RandomKind, TypedArray } from '../backend/contract.js';
import { getBackend } from '../backend/registry.js';
import { checkDType, dtypeOfTypedArray, isFloat, typedArrayFor } from '../tensor/dtype.js';
import { isHalf } from '../tensor/half.js';
import { fmtShape, numel } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { empty } from './kernel.js';
import { cast } from './view.js';

/** Options of every creation function. */
export interface CreateOptions {
  /** Element type of the result; the default depends on the function (usually float32). */
  dtype?: DType;
  /** Make the result a leaf that requires grad (default false). */
  requiresGrad?: boolean;
  /** Backend to allocate on (default: the current one, {@link getBackend}). */
  backend?: Backend;
}
/** Options of {@link tensor}. */
export interface TensorOptions extends CreateOptions {
  /** Shape for flat data (a typed array or flat number array). */
  shape?: readonly number[];
}

/** A number, a boolean, or (nested) arrays of them; nesting must be rectangular. */
export type NestedArray = number | boolean | readonly NestedArray[];
/**
 * What {@link tensor} accepts: nested arrays, a scalar, or a typed array (Float64Array is rounded to
 * float32).
 */
export type TensorData = NestedArray | TypedArray | Float64Array | readonly number[];

/** The dtype values are built in on the host: 16-bit floats as float32, then cast. */
function hostDType(dtype: DType, op: string): DType {
  return isHalf(checkDType(dtype, op)) ? 'float32' : dtype;
}

/** `t` converted to `dtype` (disposing `t`), or `t` itself. */
function toDType(t: Tensor, dtype: DType | undefined): Tensor {
  if (!dtype || t.dtype === dtype) return t;
  const c = cast(t, dtype);
  t.dispose();
  return c;
}

/** rand/randn honour a float dtype (samples drawn in float32, then rounded); others give float32. */
function floatOnly(dtype: DType | undefined): DType | undefined {
  return dtype && isFloat(dtype) ? dtype : undefined;
}

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/**
 * Upload a typed array as a new contiguous tensor of its dtype. A `Uint16Array` holds 16-bit
 * float bit patterns: float16 unless `dtype` says 'bfloat16'.
 */
export function fromTypedArray(
  data: TypedArray,
  shape: readonly number[],
  backend: Backend = getBackend(),
  dtype: DType = dtypeOfTypedArray(data),
): Tensor {
  if (dtypeOfTypedArray(data) !== dtype && !(data instanceof Uint16Array && isHalf(dtype))) {
    throw new TypeError(`fromTypedArray: a ${data.constructor.name} cannot hold ${dtype} values`);
  }
  const t = empty(shape, dtype, backend);
  if (data.length > 0) backend.write(t._storage.buffer, t.dtype, data);
  return t;
}

function inferNested(data: NestedArray, shape: number[], depth: number): void {
  if (Array.isArray(data)) {
    if (shape.length === depth) shape.push(data.length);
    else if (shape[depth] !== data.length) {
      throw new RangeError(
        `tensor: ragged nested array: expected length ${shape[depth]} at depth ${depth}, got ${data.length}`,
      );
    }
    for (const item of data) inferNested(item as NestedArray, shape, depth + 1);
  } else if (shape.length !== depth) {
    throw new RangeError(`tensor: ragged nested array: found a scalar at depth ${depth}, expected a list`);
  }
}

function flattenNested(data: NestedArray, out: number[], bools: { any: boolean; numbers: boolean }): void {
  if (Array.isArray(data)) for (const item of data) flattenNested(item as NestedArray, out, bools);
  else if (typeof data === 'boolean') {
    bools.any = true;
    out.push(data ? 1 : 0);
  } else if (typeof data === 'number') {
    bools.numbers = true;
    out.push(data);
  } else throw new TypeError(`tensor: unsupported element ${String(data)}`);
}

/**
 * Create a tensor from nested arrays, a number or boolean, or a typed array with `shape`.
 * Numbers give float32 unless `dtype` says otherwise (JavaScript has no integer type to
 * infer from); booleans give bool; Int32Array gives int32; Uint8Array gives bool.
 * Throws on ragged arrays and on a `shape` that does not match the number of values.
 *
 * @example
 * ```ts
 * const a = tensor([[1, 2, 3], [4, 5, 6]]);                 // float32 [2, 3]
 * const labels = tensor([3, 1, 4], { dtype: 'int32' });     // int32 [3]
 * const w = tensor(new Float32Array(6), { shape: [3, 2], requiresGrad: true });
 * ```
 */
export function tensor(data: TensorData, opts: TensorOptions = {}): Tensor {
  if (opts.dtype !== undefined) checkDType(opts.dtype, 'tensor');
  const backend = opts.backend ?? getBackend();
  let values: TypedArray;
  let shape: number[];
  if (ArrayBuffer.isView(data)) {
    const typed = data as TypedArray | Float64Array;
    const src: TypedArray = typed instanceof Float64Array ? Float32Array.from(typed) : typed;
    shape = opts.shape ? [...opts.shape] : [src.length];
    if (numel(shape) !== src.length) {
      throw new RangeError(
        `tensor: shape ${fmtShape(shape)} needs ${numel(shape)} values, got ${src.length}`,
      );
    }
    values = src;
    // Bits of the requested 16-bit dtype upload as they are (a bare Uint16Array is float16).
    if (src instanceof Uint16Array && opts.dtype && isHalf(opts.dtype)) {
      return finish(fromTypedArray(src, shape, backend, opts.dtype), opts);
    }
  } else {
    shape = [];
    inferNested(data as NestedArray, shape, 0);
    const flat: number[] = [];
    const kinds = { any: false, numbers: false };
    flattenNested(data as NestedArray, flat, kinds);
    if (opts.shape) {
      if (numel(opts.shape) !== flat.length) {
        throw new RangeError(
          `tensor: shape ${fmtShape(opts.shape)} needs ${numel(opts.shape)} values, got ${flat.length}`,
        );
      }
      shape = [...opts.shape];
    }
    const inferred: DType = kinds.any && !kinds.numbers ? 'bool' : 'float32';
    // 16-bit floats are built as float32 and rounded by the cast below, which is what
    // PyTorch does (its C++ cast from a Python float goes through float).
    const dtype = opts.dtype && !isHalf(opts.dtype) ? opts.dtype : inferred;
    values = typedArrayFor(dtype, flat.length);
    for (let i = 0; i < flat.length; i++) values[i] = dtype === 'bool' ? (flat[i] !== 0 ? 1 : 0) : flat[i];
  }
  let t = fromTypedArray(values, shape, backend);
  if (opts.dtype && t.dtype !== opts.dtype) {
    const c = cast(t, opts.dtype);
    t.dispose();
    t = c;
  }
  return finish(t, opts);
}

/**
 * A tensor of `shape` filled with `value` (float32 for numbers, bool for booleans, unless `dtype` is
 * given).
 */
export function full(shape: readonly number[], value: number | boolean, opts: CreateOptions = {}): Tensor {
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const backend = opts.backend ?? getBackend();
  const t = empty(shape, dtype, backend, 'full');
  if (t.size > 0) backend.fill(t._view(), Number(value));
  return finish(t, opts);
}

/** A tensor of `shape` filled with 0 (float32 unless `dtype` is given). */
export const zeros = (shape: readonly number[], opts: CreateOptions = {}): Tensor => full(shape, 0, opts);
/** A tensor of `shape` filled with 1 (float32 unless `dtype` is given). */
export const ones = (shape: readonly number[], opts: CreateOptions = {}): Tensor => full(shape, 1, opts);

function likeOpts(t: Tensor, opts: CreateOptions): CreateOptions {
  return {
    dtype: opts.dtype ?? t.dtype,
    backend: opts.backend ?? t.backend,
    requiresGrad: opts.requiresGrad,
  };
}
/** Zeros with `t`'s shape, dtype and backend (each may be overridden in `opts`). */
export const zerosLike = (t: Tensor, opts: CreateOptions = {}): Tensor => full(t.shape, 0, likeOpts(t, opts));
/** Ones with `t`'s shape, dtype and backend (each may be overridden in `opts`). */
export const onesLike = (t: Tensor, opts: CreateOptions = {}): Tensor => full(t.shape, 1, likeOpts(t, opts));
/** `value` everywhere, with `t`'s shape, dtype and backend (each may be overridden in `opts`). */
export const fullLike = (t: Tensor, value: number, opts: CreateOptions = {}): Tensor =>
  full(t.shape, value, likeOpts(t, opts));

/**
 * arange(end) or arange(start, end, step). Like PyTorch, all-integer arguments give an
 * integer tensor (int32 here) and any fractional one gives float32.
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  const n = Math.max(Math.ceil((end - start) / step), 0);
  const allInts = [start, end, step].every(Number.isInteger);
  const dtype = opts.dtype ?? (allInts ? 'int32' : 'float32');
  const values = typedArrayFor(hostDType(dtype, 'arange'), n, 'arange');
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return finish(toDType(fromTypedArray(values, [n], opts.backend), dtype), opts);
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included (float32 by default). Throws when
 * `steps` is not a non-negative integer.
 */
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError('linspace: number of steps must be non-negative');
  const values = typedArrayFor(hostDType(opts.dtype ?? 'float32', 'linspace'), steps, 'linspace');
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Symmetric evaluation, as PyTorch does, so the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) values[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  if (steps === 1) values[0] = start;
  return finish(toDType(fromTypedArray(values, [steps], opts.backend), opts.dtype), opts);
}

/** An `n` x `m` (default square) matrix with ones on the diagonal (float32 by default). */
export function eye(n: number, m: number = n, opts: CreateOptions = {}): Tensor {
  const values = typedArrayFor(hostDType(opts.dtype ?? 'float32', 'eye'), n * m, 'eye');
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return finish(toDType(fromTypedArray(values, [n, m], opts.backend), opts.dtype), opts);
}

// ---- random -------------------------------------------------------------------------

/**
 * The global generator: a 64-bit key from the seed and a 64-bit stream counter that every
 * random op advances by one. Same seed, same sequence of ops, same numbers on every backend.
 */
const generator = { key: [0, 0] as [number, number], counter: 0 };
manualSeed(67280421310721); // PyTorch's default seed, so programs are reproducible by default.

/**
 * Seed the global random generator (rand, randn, dropout, init): the same seed and the same
 * sequence of ops give the same numbers on every backend. The default seed is PyTorch's, but
 * the streams differ from PyTorch's (Philox 4x32-10 counters). Throws unless `seed` is a
 * non-negative safe integer.
 */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError('manualSeed: seed must be a non-negative safe integer');
  generator.key = [(seed % 2 ** 32) >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
  generator.counter = 0;
}

/** Fill a fresh float32 tensor from the generator. */
export function randomTensor(
  kind: RandomKind,
  shape: readonly number[],
  backend: Backend = getBackend(),
): Tensor {
  const t = empty(shape, 'float32', backend);
  const c = generator.counter++;
  if (t.size > 0) {
    kernels(backend).random(
      kind,
      { key: generator.key, counter: [(c % 2 ** 32) >>> 0, Math.floor(c / 2 ** 32) >>> 0] },
      t._view(),
    );
  }
  return t;
}

/** Uniform samples from [0, 1) of `shape`, float32, from the global generator. */
export function rand(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return finish(toDType(randomTensor('uniform', shape, opts.backend), floatOnly(opts.dtype)), opts);
}

/** Standard normal samples of `shape`, float32, from the global generator. */
export function randn(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return finish(toDType(randomTensor('normal', shape, opts.backend), floatOnly(opts.dtype)), opts);
}

/** Integers drawn uniformly from [low, high), int32 unless `dtype` is given. Throws unless `low < high`. */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  opts: CreateOptions = {},
): Tensor {
  if (!(high > low)) throw new RangeError(`randint: expected low < high, got low=${low}, high=${high}`);
  if (opts.dtype !== undefined) checkDType(opts.dtype, 'randint');
  const u = randomTensor('uniform', shape, opts.backend);
  const scaled = u
    .mul(high - low)
    .floor()
    .add(low);
  const out = cast(scaled, opts.dtype ?? 'int32');
  u.dispose();
  if (out !== scaled) scaled.dispose();
  return out;
}

/** {@link rand} with `t`'s shape and backend. */
export const randLike = (t: Tensor, opts: CreateOptions = {}): Tensor => rand(t.shape, likeOpts(t, opts));
/** {@link randn} with `t`'s shape and backend. */
export const randnLike = (t: Tensor, opts: CreateOptions = {}): Tensor => randn(t.shape, likeOpts(t, opts));
