/**
 * Reductions. The backend only reduces the inner axis of a contiguous [outer, inner] block;
 * this file moves the reduced dims last, handles keepdim, empty tensors and gradients.
 */

import { castF32 } from '../amp/autocast.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { attach } from '../autograd/node.js';
import { kernels } from '../backend/compute.js';
import type { ReduceOp } from '../backend/contract.js';
import { ExprBuilder } from '../expr/build.js';
import { EXPR_REDUCE_OPS, type ExprProgram, type ExprReduceOp } from '../expr/ir.js';
import { runExpression } from '../expr/run.js';
import { isFloat } from '../tensor/dtype.js';
import { tidy } from '../tensor/scope.js';
import { fmtShape, normDims, numel, shapeEqual, viewStrides } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { where } from './elementwise.js';
import { scatterAddUnchecked } from './indexing.js';
import { empty, scalarTensor } from './kernel.js';
import { cast, contiguous, detach, expand, permute, reshape } from './view.js';

/** Option of the reductions. */
export interface ReduceOptions {
  /** Keep each reduced dimension as size 1 (default false: drop it). */
  keepdim?: boolean;
}
/** Options of {@link variance} and {@link std}. */
export interface VarOptions extends ReduceOptions {
  /** Bessel's correction: 1 (default) for the sample variance, 0 for the population. */
  correction?: number;
}

type Dims = number | readonly number[] | null | undefined;

/** Shape of the result with reduced dims kept as size 1. */
function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

/** Run a backend reduction over `dims` (already normalised), no autograd. */
function rawReduce(op: ReduceOp, x: Tensor, dims: readonly number[], keepdim: boolean, name: string): Tensor {
  const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const outShapeKeep = keptShape(x.shape, dims);
  const outShape = keepdim ? outShapeKeep : kept.map((i) => x.shape[i]);
  const outer = numel(kept.map((i) => x.shape[i]));
  const inner = numel(dims.map((i) => x.shape[i]));
  const outDtype = op === 'argmax' || op === 'argmin' ? 'int32' : x.dtype;
  const out = empty(outShape, outDtype, x.backend);
  if (outer === 0) return out;
  if (inner === 0) {
    if (op !== 'sum' && op !== 'prod') {
      out.dispose();
      throw new RangeError(
        `${name}: expected reduction dims to be non-empty for an input with 0 elements (shape ${fmtShape(x.shape)})`,
      );
    }
    x.backend.fill(out._view(), op === 'sum' ? 0 : 1);
    return out;
  }
  // Reduce a trailing contiguous run in place first, then the rest of the (now much
  // smaller) tensor: a conv bias gradient (sum over N, H, W of [N, C, H, W]) no longer
  // copies the whole gradient into [C, N, H, W] order first.
  const split = splitTrailing(op, x, dims);
  const src = split ? rawReduce(op, x, split.trailing, false, name) : x;
  const rdims = split ? split.rest : dims;
  const srcKept = src.shape.map((_, i) => i).filter((i) => !rdims.includes(i));
  const inner2 = numel(rdims.map((i) => src.shape[i]));
  const strided = tidy(() =>
    stridedReduce(op, permute(detach(src), [...srcKept, ...rdims]), out, outer, inner2),
  );
  if (!strided) {
    const moved = tidy(() => contiguous(permute(detach(src), [...srcKept, ...rdims])));
    kernels(x.backend).reduce(op, moved._view(name), out._view(), outer, inner2);
    moved.dispose();
  }
  if (src !== x) src.dispose();
  return out;
}

const identity = new Map<string, ExprProgram>();

/**
 * Reduce a strided `moved` (reduced dims last) into `out` as one expression kernel, which
 * reads `[outer, inner]` through strides, so the permuted copy the contract's contiguous
 * `reduce` needs is not made: a bias gradient (sum over the batch of [N, C]) is one kernel,
 * not two. False where it does not apply (no expression kernel, not float32, already
 * contiguous, or strides that do not fold into [outer, inner]).
 */
function stridedReduce(op: ReduceOp, moved: Tensor, out: Tensor, outer: number, inner: number): boolean {
  if (moved.dtype !== 'float32' || moved.isContiguous() || moved.backend.fused.expression === undefined)
    return false;
  if (!(EXPR_REDUCE_OPS as readonly string[]).includes(op)) return false;
  if (!viewStrides(moved.shape, moved.strides, [outer, inner])) return false;
  const rop = op as ExprReduceOp;
  let program = identity.get(rop);
  if (!program) {
    const b = new ExprBuilder(`reduce:${rop}`);
    program = b.build([b.load(0)], { reduce: rop });
    identity.set(rop, program);
  }
  runExpression(program, [reshape(moved, [outer, inner])], {
    shape: [outer, inner],
    into: [reshape(out, [outer])],
  });
  return true;
}

/**
 * For an associative reduction of a contiguous tensor over dims that end with a run of
 * trailing dims but include earlier ones: the trailing run, and the earlier dims (their
 * indices are unchanged once the trailing dims are gone). Null when the plan does not apply.
 */
function splitTrailing(
  op: ReduceOp,
  x: Tensor,
  dims: readonly number[],
): { trailing: number[]; rest: number[] } | null {
  if (op === 'argmax' || op === 'argmin' || x.size === 0 || !x.isContiguous()) return null;
  let k = x.ndim;
  while (k > 0 && dims.includes(k - 1)) k--;
  if (k === x.ndim || k === 0) return null;
  const rest = dims.filter((d) => d < k);
  if (rest.length === 0) return null;
  const trailing: number[] = [];
  for (let d = k; d < x.ndim; d++) trailing.push(d);
  return { trailing, rest };
}

/** Broadcast a reduced gradient back over the reduced dims. */
function expandBack(g: Tensor, shape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  const withOnes = keepdim ? g : reshape(g, keptShape(shape, dims));
  return expand(withOnes, shape);
}

/** Sum `g` down to `shape` (the inverse of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (shapeEqual(g.shape, shape)) return g;
  return tidy(() => {
    const lead = g.ndim - shape.length;
    const dims: number[] = [];
    for (let i = 0; i < g.ndim; i++) {
      if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
    }
    const s = dims.length > 0 ? sum(g, dims, { keepdim: true }) : g;
    return reshape(s, shape);
  });
}

/** Sum over `dim` (one, a list, or all when omitted or null). Integer and bool inputs sum to int32. */
export function sum(x: Tensor, dim?: Dims, opts: ReduceOptions = {}): Tensor {
  return tidy(() => {
    x._check('sum');
    // autocast: sums run in float32.
    x = castF32(x);
    const input = isFloat(x.dtype) ? x : cast(x, 'int32');
    const dims = normDims(dim, x.ndim, 'sum');
    const keepdim = opts.keepdim ?? false;
    const out = rawReduce('sum', input, dims, keepdim, 'sum');
    const shape = x.shape;
    return attach(out, 'sum', [input], [], (g) => [expandBack(g, shape, dims, keepdim)]);
  });
}

/** Mean over `dim` (one, a list, or all when omitted or null). Float tensors only. */
export function mean(x: Tensor, dim?: Dims, opts: ReduceOptions = {}): Tensor {
  return tidy(() => {
    if (!isFloat(x.dtype)) {
      throw new TypeError(`mean: could not infer output dtype. Input dtype must be float32, got ${x.dtype}`);
    }
    const dims = normDims(dim, x.ndim, 'mean');
    const n = numel(dims.map((i) => x.shape[i]));
    return sum(x, dims, opts).div(n);
  });
}

/** Product over `dim`, or of all elements when omitted or null. */
export function prod(x: Tensor, dim?: number | null, opts: ReduceOptions = {}): Tensor {
  return tidy(() => {
    x._check('prod');
    x = castF32(x);
    const input = isFloat(x.dtype) ? x : cast(x, 'int32');
    const dims = normDims(dim, x.ndim, 'prod');
    const keepdim = opts.keepdim ?? false;
    const out = rawReduce('prod', input, dims, keepdim, 'prod');
    const shape = x.shape;
    // d prod / d x_i = product of the others; computed without dividing by x_i so zeros work.
    return attach(out, 'prod', [input], [input], (g, [sx]) => {
      const isZero = sx.eq(0);
      const zeros = sum(isZero, dims, { keepdim: true });
      // With createGraph the product of the others must be recorded (it is this op again).
      const masked = where(isZero, 1, sx);
      const nonZeroProd = isGradEnabled()
        ? prod(masked, dim ?? null, { keepdim: true })
        : rawReduce('prod', masked, dims, true, 'prod');
      const gk = expandBack(g, shape, dims, keepdim);
      const noZero = nonZeroProd.div(sx);
      const oneZero = where(isZero, nonZeroProd, 0);
      const local = where(zeros.eq(0), noZero, where(zeros.eq(1), oneZero, 0));
      return [gk.mul(local)];
    });
  });
}

function extreme(op: 'max' | 'min') {
  return (x: Tensor, dim?: Dims, opts: ReduceOptions = {}): Tensor =>
    tidy(() => {
      x._check(op);
      const dims = normDims(dim, x.ndim, op);
      const keepdim = opts.keepdim ?? false;
      const input = x.dtype === 'bool' ? cast(x, 'int32') : x;
      const out = rawReduce(op, input, dims, keepdim, op);
      const result = x.dtype === 'bool' ? cast(out, 'bool') : out;
      if (!isFloat(x.dtype)) return result;
      const shape = x.shape;
      if (typeof dim === 'number') {
        // torch.max(x, dim).values: the gradient goes to the (first) index of the extreme.
        const arg = op === 'max' ? 'argmax' : 'argmin';
        return attach(result, op, [x], [x], (g, [sx]) => {
          const idx = rawReduce(arg, sx, dims, true, op);
          const gk = keepdim ? g : reshape(g, keptShape(shape, dims));
          const zeros = scalarTensor(0, 'float32', sx.backend).expand(shape).contiguous();
          return [scatterAddUnchecked(zeros, dims[0], idx, gk)];
        });
      }
      // torch.max(x) / amax: the gradient is split evenly between tied extremes.
      return attach(result, op, [x], [x, result], (g, [sx, so]) => {
        const ok = keepdim ? so : reshape(so, keptShape(shape, dims));
        const mask = sx.eq(expand(ok, shape)).float();
        const count = sum(mask, dims, { keepdim: true });
        return [expandBack(g, shape, dims, keepdim).mul(mask).div(count)];
      });
    });
}

/** Max over `dim` (values only; use argmax for indices). No dim: the maximum of all elements. */
export const max = extreme('max');
/** Min over `dim` (values only; use argmin for indices). No dim: the minimum of all elements. */
export const min = extreme('min');

function argExtreme(op: 'argmax' | 'argmin') {
  return (x: Tensor, dim?: number | null, opts: ReduceOptions = {}): Tensor =>
    tidy(() => {
      x._check(op);
      const input = x.dtype === 'bool' ? cast(x, 'int32') : x;
      if (dim === undefined || dim === null) {
        const flat = reshape(input, [input.size]);
        const out = rawReduce(op, flat, [0], false, op);
        return opts.keepdim
          ? reshape(
              out,
              x.shape.map(() => 1),
            )
          : out;
      }
      return rawReduce(op, input, normDims(dim, x.ndim, op), opts.keepdim ?? false, op);
    });
}

/**
 * Index (int32) of the largest value over `dim`, the first on ties; over the flattened tensor when omitted.
 */
export const argmax = argExtreme('argmax');
/**
 * Index (int32) of the smallest value over `dim`, the first on ties; over the flattened tensor when
 * omitted.
 */
export const argmin = argExtreme('argmin');

/** Variance over `dim` (all when omitted) with Bessel's `correction` (default 1); exported as `var` too. */
export function variance(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return tidy(() => {
    if (!isFloat(x.dtype)) throw new TypeError(`var: expected a float tensor, got ${x.dtype}`);
    const dims = normDims(dim, x.ndim, 'var');
    const n = numel(dims.map((i) => x.shape[i]));
    const correction = opts.correction ?? 1;
    const mu = mean(x, dims, { keepdim: true });
    const ss = sum(x.sub(mu).square(), dims, { keepdim: opts.keepdim ?? false });
    return ss.div(Math.max(n - correction, 0));
  });
}

/** Standard deviation over `dim` (all when omitted) with Bessel's `correction` (default 1). */
export function std(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return tidy(() => variance(x, dim, opts).sqrt());
}

/** log(sum(exp(x))) computed stably by subtracting the (detached) maximum first. */
export function logsumexp(x: Tensor, dim: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  return tidy(() => {
    const input = isFloat(x.dtype) ? x : cast(x, 'float32');
    const dims = normDims(dim, x.ndim, 'logsumexp');
    const keepdim = opts.keepdim ?? false;
    if (input.size === 0) return sum(input, dims, opts).log();
    const m = rawReduce('max', detach(input), dims, true, 'logsumexp');
    // An all -inf (or inf) slice would give inf - inf = NaN; shift by 0 there instead.
    const shift = where(m.abs().eq(Number.POSITIVE_INFINITY), 0, m);
    const s = sum(input.sub(shift).exp(), dims, { keepdim: true }).log().add(shift);
    return keepdim
      ? s
      : reshape(
          s,
          s.shape.filter((_, i) => !dims.includes(i)),
        );
  });
}

/** True where every element over `dim` (or of the tensor) is non-zero; a bool tensor. */
export function all(x: Tensor, dim?: number | null, opts: ReduceOptions = {}): Tensor {
  return tidy(() => {
    const b = cast(cast(x, 'bool'), 'int32');
    const dims = normDims(dim, x.ndim, 'all');
    if (b.size === 0) return cast(sum(b, dims, opts).eq(0), 'bool');
    return cast(rawReduce('min', b, dims, opts.keepdim ?? false, 'all'), 'bool');
  });
}

/** True where some element over `dim` (or of the tensor) is non-zero; a bool tensor. */
export function any(x: Tensor, dim?: number | null, opts: ReduceOptions = {}): Tensor {
  return tidy(() => {
    const b = cast(cast(x, 'bool'), 'int32');
    const dims = normDims(dim, x.ndim, 'any');
    return cast(sum(b, dims, opts), 'bool');
  });
}
