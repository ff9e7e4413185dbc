/**
 * Pointwise and small linear-algebra compositions PyTorch users reach for: outer, dot,
 * addmm, baddbmm, addcmul, addcdiv, lerp, hypot, logaddexp, xlogy, nanToNum, isinf,
 * isfinite, clampMin, clampMax. Built from core's ops, so every backend runs them and
 * autograd differentiates them.
 */

import { isFloat } from '../tensor/dtype.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  abs,
  add,
  clamp,
  div,
  eq,
  exp,
  isnan,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  maximum,
  minimum,
  mul,
  ne,
  sqrt,
  sub,
  where,
} from './elementwise.js';
import { bmm, matmul, mm } from './linalg.js';
import { unsqueeze } from './view.js';

const F32_MAX = 3.4028234663852886e38;

function need1d(name: string, x: Tensor, which: string): void {
  x._check(name);
  if (x.ndim !== 1)
    throw new RangeError(`${name}: expected ${which} to be 1-D, got shape [${x.shape.join(', ')}]`);
}

/** torch.outer: the outer product a[i] * b[j] of two 1-D tensors. */
export function outer(a: Tensor, b: Tensor): Tensor {
  need1d('outer', a, 'input');
  need1d('outer', b, 'vec2');
  return tidy(() => mul(unsqueeze(a, 1), unsqueeze(b, 0)));
}

/** torch.dot: the inner product of two 1-D tensors of the same length (a 0-d tensor). */
export function dot(a: Tensor, b: Tensor): Tensor {
  need1d('dot', a, 'input');
  need1d('dot', b, 'tensor');
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(
      `dot: inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements`,
    );
  }
  return matmul(a, b);
}

/** Options of {@link addmm} and {@link baddbmm}: out = beta * input + alpha * (m1 @ m2). */
export interface AddmmOptions {
  /** Multiplier of `input` (default 1; 0 ignores `input`, NaN included, as PyTorch). */
  beta?: number;
  /** Multiplier of the product (default 1). */
  alpha?: number;
}

function scaledSum(input: Tensor, product: Tensor, opts: AddmmOptions): Tensor {
  const beta = opts.beta ?? 1;
  const alpha = opts.alpha ?? 1;
  const p = alpha === 1 ? product : mul(product, alpha);
  // beta = 0: `input` is not read at all, so a NaN or Inf in it does not leak (PyTorch).
  if (beta === 0) return alpha === 1 ? add(p, 0) : p;
  return add(beta === 1 ? input : mul(input, beta), p);
}

/** torch.addmm: beta * input + alpha * (mat1 @ mat2), `input` broadcast to [n, p]. */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, opts: AddmmOptions = {}): Tensor {
  return tidy(() => scaledSum(input, mm(mat1, mat2), opts));
}

/** torch.baddbmm: beta * input + alpha * (batch1 @ batch2) for [b, n, m] x [b, m, p]. */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, opts: AddmmOptions = {}): Tensor {
  return tidy(() => scaledSum(input, bmm(batch1, batch2), opts));
}

/** torch.addcmul: input + value * t1 * t2 (broadcast). */
export function addcmul(input: Tensor, t1: Tensor, t2: Tensor, opts: { value?: number } = {}): Tensor {
  return tidy(() => add(input, mul(mul(t1, t2), opts.value ?? 1)));
}

/** torch.addcdiv: input + value * t1 / t2 (broadcast). */
export function addcdiv(input: Tensor, t1: Tensor, t2: Tensor, opts: { value?: number } = {}): Tensor {
  return tidy(() => add(input, mul(div(t1, t2), opts.value ?? 1)));
}

/**
 * torch.lerp: start + weight * (end - start), computed as PyTorch's kernels do (from `end`
 * when weight >= 0.5, so lerp(a, b, 1) is exactly b).
 */
export function lerp(start: Tensor, end: Tensor, weight: Tensor | number): Tensor {
  return tidy(() => {
    const diff = sub(end, start);
    if (typeof weight === 'number') {
      return weight < 0.5 ? add(start, mul(diff, weight)) : sub(end, mul(diff, 1 - weight));
    }
    const low = abs(weight).lt(0.5);
    return where(low, add(start, mul(diff, weight)), sub(end, mul(diff, sub(1, weight))));
  });
}

/** torch.hypot: sqrt(a^2 + b^2) without overflow or underflow in the squares; Inf wins over NaN. */
export function hypot(a: Tensor, b: Tensor): Tensor {
  return tidy(() => {
    const x = abs(a);
    const y = abs(b);
    const big = maximum(x, y);
    const small = minimum(x, y);
    const inf = logicalOr(eq(x, Number.POSITIVE_INFINITY), eq(y, Number.POSITIVE_INFINITY));
    const zero = eq(big, 0);
    const safe = where(zero, 1, big);
    const r = div(small, safe);
    const h = mul(safe, sqrt(add(mul(r, r), 1)));
    return where(inf, Number.POSITIVE_INFINITY, where(zero, 0, h));
  });
}

/** torch.logaddexp: log(exp(a) + exp(b)) without overflow; ±Inf pass through. */
export function logaddexp(a: Tensor, b: Tensor): Tensor {
  return tidy(() => {
    const m = maximum(a, b);
    // Where the larger is ±Inf (or both are -Inf) the answer is it; elsewhere shift by it.
    const finite = ne(abs(m), Number.POSITIVE_INFINITY);
    const ms = where(finite, m, 0);
    const r = add(ms, log(add(exp(sub(a, ms)), exp(sub(b, ms)))));
    return where(finite, r, m);
  });
}

/** torch.xlogy: x * log(y), and 0 where x is 0 (unless y is NaN). */
export function xlogy(x: Tensor, y: Tensor | number): Tensor {
  return tidy(() => {
    const zero =
      typeof y === 'number'
        ? Number.isNaN(y)
          ? eq(x, Number.NaN)
          : eq(x, 0)
        : logicalAnd(eq(x, 0), logicalNot(isnan(y)));
    const ly = typeof y === 'number' ? Math.log(y) : log(y);
    return where(zero, 0, mul(x, ly));
  });
}

/** Options of {@link nanToNum}. */
export interface NanToNumOptions {
  /** Replacement for NaN (default 0). */
  nan?: number;
  /** Replacement for +Infinity (default the largest float32). */
  posinf?: number;
  /** Replacement for -Infinity (default the most negative float32). */
  neginf?: number;
}

/** torch.nan_to_num: replace NaN, +Inf and -Inf by finite numbers (ints pass through). */
export function nanToNum(x: Tensor, opts: NanToNumOptions = {}): Tensor {
  x._check('nanToNum');
  return tidy(() => {
    if (!isFloat(x.dtype)) return mul(x, 1);
    const a = where(isnan(x), opts.nan ?? 0, x);
    const b = where(eq(a, Number.POSITIVE_INFINITY), opts.posinf ?? F32_MAX, a);
    return where(eq(b, Number.NEGATIVE_INFINITY), opts.neginf ?? -F32_MAX, b);
  });
}

/** torch.isinf: true where the element is +Infinity or -Infinity (always false for ints). */
export function isinf(x: Tensor): Tensor {
  x._check('isinf');
  return tidy(() => (isFloat(x.dtype) ? eq(abs(x), Number.POSITIVE_INFINITY) : ne(x, x)));
}

/** torch.isfinite: true where the element is neither NaN nor ±Infinity (always true for ints). */
export function isfinite(x: Tensor): Tensor {
  x._check('isfinite');
  return tidy(() =>
    isFloat(x.dtype) ? ne(abs(x), Number.POSITIVE_INFINITY).logicalAnd(logicalNot(isnan(x))) : eq(x, x),
  );
}

/** torch.clamp_min: max(x, min) elementwise, NaN propagating. */
export function clampMin(x: Tensor, min: number): Tensor {
  return clamp(x, min, null);
}

/** torch.clamp_max: min(x, max) elementwise, NaN propagating. */
export function clampMax(x: Tensor, max: number): Tensor {
  return clamp(x, null, max);
}
