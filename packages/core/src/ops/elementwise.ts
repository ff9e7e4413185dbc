/**
 * Elementwise ops with NumPy/PyTorch broadcasting and PyTorch's type promotion, and their
 * gradients. Gradients are written with the ops themselves (the engine runs them without
 * recording), so this file is also the reference for how each derivative is defined.
 */

import { attach } from '../autograd/node.js';
import type { BinaryOp, DType, UnaryOp } from '../backend/contract.js';
import { fusedUnaryGrad } from '../expr/unary-grad.js';
import { isFloat, promoteTypes, scalarDType } from '../tensor/dtype.js';
import { tidy } from '../tensor/scope.js';
import { broadcastShapes, fmtShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { backendOf, broadcastView, empty, type Other, scalarTensor } from './kernel.js';
import { sumTo } from './reduce.js';
import { cast } from './view.js';

// ---- plumbing ---------------------------------------------------------------------------

/** Turn (a, b) into two tensors of the promoted dtype on one backend. */
function operands(op: string, a: Other, b: Other, float = false): [Tensor, Tensor, DType] {
  const backend = backendOf(op, a, b);
  let dtype: DType;
  if (a instanceof Tensor && b instanceof Tensor) dtype = promoteTypes(a.dtype, b.dtype);
  else if (a instanceof Tensor) dtype = scalarDType(b as number, a.dtype);
  else if (b instanceof Tensor) dtype = scalarDType(a as number, b.dtype);
  else throw new TypeError(`${op}: expected at least one tensor argument`);
  if (float) dtype = 'float32';
  const ta = a instanceof Tensor ? cast(a, dtype) : scalarTensor(a, dtype, backend);
  const tb = b instanceof Tensor ? cast(b, dtype) : scalarTensor(b, dtype, backend);
  return [ta, tb, dtype];
}

function rawBinary(op: BinaryOp, a: Tensor, b: Tensor, outDtype: DType, name: string): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = empty(shape, outDtype, a.backend);
  if (out.size > 0)
    a.backend.binary(op, broadcastView(a, shape, name), broadcastView(b, shape, name), out._view());
  return out;
}

function rawUnary(op: UnaryOp, x: Tensor, outDtype: DType = x.dtype): Tensor {
  const out = empty(x.shape, outDtype, x.backend);
  if (out.size > 0) x.backend.unary(op, x._view(op), out._view());
  return out;
}

type BinaryGrad = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

/** Define a differentiable binary op. `grad` returns unreduced gradients; sumTo handles broadcasting. */
function binary(op: BinaryOp, opts: { float?: boolean; grad?: BinaryGrad; saveOut?: boolean }) {
  return (a: Other, b: Other): Tensor =>
    tidy(() => {
      const [ta, tb, dtype] = operands(op, a, b, opts.float);
      const out = rawBinary(op, ta, tb, dtype, op);
      const grad = opts.grad;
      if (!grad) return out;
      const aShape = ta.shape;
      const bShape = tb.shape;
      const save = opts.saveOut ? [ta, tb, out] : [ta, tb];
      return attach(out, op, [ta, tb], save, (g, [sa, sb, so]) => {
        const [ga, gb] = grad(g, sa, sb, so);
        return [ga && sumTo(ga, aShape), gb && sumTo(gb, bShape)];
      });
    });
}

function comparison(op: BinaryOp) {
  return (a: Other, b: Other): Tensor =>
    tidy(() => {
      const [ta, tb] = operands(op, a, b);
      return rawBinary(op, ta, tb, 'bool', op);
    });
}

function logical(op: BinaryOp) {
  return (a: Other, b: Other): Tensor =>
    tidy(() => {
      const backend = backendOf(op, a, b);
      const ta = a instanceof Tensor ? cast(a, 'bool') : scalarTensor(a, 'bool', backend);
      const tb = b instanceof Tensor ? cast(b, 'bool') : scalarTensor(b, 'bool', backend);
      return rawBinary(op, ta, tb, 'bool', op);
    });
}

type UnaryGrad = (g: Tensor, x: Tensor, out: Tensor) => Tensor | null;

/**
 * Define a differentiable unary op. `float`: ints and bools are promoted to float32 first,
 * as PyTorch does for exp, log, sin, ... .
 */
function unary(op: UnaryOp, opts: { float?: boolean; grad?: UnaryGrad }) {
  return (x: Tensor): Tensor =>
    tidy(() => {
      x._check(op);
      // Float math promotes ints and bools to float32; int-capable ops promote only bool.
      const promoted = opts.float ? 'float32' : x.dtype === 'bool' ? 'int32' : x.dtype;
      const input = cast(x, promoted);
      const out = rawUnary(op, input);
      const grad = opts.grad;
      if (!grad) return out;
      return attach(out, op, [input], [input, out], (g, [sx, so]) => [
        fusedUnaryGrad(op, g, sx) ?? grad(g, sx, so),
      ]);
    });
}

// ---- arithmetic -------------------------------------------------------------------------

/** Elementwise `a + b`, broadcasting; dtypes promote as in PyTorch (`int32 + float32 -> float32`). */
export const add = binary('add', { grad: (g) => [g, g] });
/** Elementwise `a - b`, broadcasting. */
export const sub = binary('sub', { grad: (g) => [g, g.neg()] });
/** Elementwise `a * b`, broadcasting. */
export const mul = binary('mul', { grad: (g, a, b) => [g.mul(b), g.mul(a)] });
/** Elementwise `a / b`, broadcasting; true division (integer operands give float32). */
export const div = binary('div', {
  float: true,
  saveOut: true,
  grad: (g, _a, b, out) => [g.div(b), g.mul(out).div(b).neg()],
});
/** Elementwise `a ** b`, broadcasting. */
export const pow = binary('pow', {
  saveOut: true,
  grad: (g, a, b, out) => [
    // d/da a^b = b a^(b-1), defined as 0 where b == 0 (0 * 0^-1 would be NaN at a == 0).
    where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))),
    // d/db a^b = a^b log a, defined as 0 where a == 0 and b >= 0 (PyTorch's convention).
    isFloat(b.dtype) ? where(a.eq(0).logicalAnd(b.ge(0)), 0, g.mul(out).mul(a.log())) : null,
  ],
});
/**
 * Elementwise maximum, broadcasting; NaN propagates. Ties split the gradient evenly between both inputs, as
 * in PyTorch.
 */
export const maximum = binary('maximum', {
  grad: (g, a, b) => {
    const tie = where(a.eq(b), g.div(2), g);
    return [maskedFill(tie, a.lt(b), 0), maskedFill(tie, a.gt(b), 0)];
  },
});
/** Elementwise minimum, broadcasting; NaN propagates. Ties split the gradient evenly. */
export const minimum = binary('minimum', {
  grad: (g, a, b) => {
    const tie = where(a.eq(b), g.div(2), g);
    return [maskedFill(tie, a.gt(b), 0), maskedFill(tie, a.lt(b), 0)];
  },
});
/** Elementwise `atan2(a, b)`: the angle of the point (b, a) in radians, broadcasting. */
export const atan2 = binary('atan2', {
  float: true,
  grad: (g, a, b) => {
    // b / (a^2 + b^2) and -a / (a^2 + b^2), with both scaled by s = max(|a|, |b|) first so the
    // squares neither overflow (|a| > 1.8e19) nor underflow (|a| < 1e-19) in float32, which
    // would make the gradient 0 or NaN where the float64 value is finite. Where s is 0, inf or
    // NaN it is 1 (unscaled), so a = b = 0 gives NaN and an infinite input 0 or NaN, as PyTorch.
    const m = maximum(a.abs(), b.abs());
    const s = where(m.gt(0).logicalAnd(m.lt(Number.POSITIVE_INFINITY)), m, 1);
    const an = a.div(s);
    const bn = b.div(s);
    const denom = an.square().add(bn.square()).mul(s);
    return [g.mul(bn).div(denom), g.mul(an).neg().div(denom)];
  },
});
/** Elementwise remainder with the sign of the divisor (Python's `%`), broadcasting. */
export const remainder = binary('remainder', {
  grad: (g, a, b) => [g, g.mul(floorDivide(a, b)).neg()],
});
/** Elementwise `floor(a / b)`, broadcasting (no gradient). */
export const floorDivide = binary('floorDivide', {});

// ---- comparison and logic ---------------------------------------------------------------

/** Elementwise `a == b`, broadcasting; a bool tensor. */
export const eq = comparison('eq');
/** Elementwise `a != b`, broadcasting; a bool tensor. */
export const ne = comparison('ne');
/** Elementwise `a < b`, broadcasting; a bool tensor. */
export const lt = comparison('lt');
/** Elementwise `a <= b`, broadcasting; a bool tensor. */
export const le = comparison('le');
/** Elementwise `a > b`, broadcasting; a bool tensor. */
export const gt = comparison('gt');
/** Elementwise `a >= b`, broadcasting; a bool tensor. */
export const ge = comparison('ge');
/** Elementwise logical and (non-zero is true), broadcasting; a bool tensor. */
export const logicalAnd = logical('logicalAnd');
/** Elementwise logical or (non-zero is true), broadcasting; a bool tensor. */
export const logicalOr = logical('logicalOr');
/** Elementwise logical exclusive or (non-zero is true), broadcasting; a bool tensor. */
export const logicalXor = logical('logicalXor');

/** Elementwise logical not (zero becomes true); a bool tensor. */
export function logicalNot(x: Tensor): Tensor {
  return tidy(() => rawUnary('logicalNot', cast(x, 'bool'), 'bool'));
}

/** Elementwise test for NaN; a bool tensor (all false for integer dtypes). */
export function isnan(x: Tensor): Tensor {
  x._check('isnan');
  if (!isFloat(x.dtype))
    return tidy(() => scalarTensor(false, 'bool', x.backend).expand(x.shape).contiguous());
  return rawUnary('isnan', x, 'bool');
}

// ---- unary math -------------------------------------------------------------------------

const SQRT_PI_2 = 2 / Math.sqrt(Math.PI);

/** Elementwise `-x`. */
export const neg = unary('neg', { grad: (g) => g.neg() });
/** Elementwise absolute value. */
export const abs = unary('abs', { grad: (g, x) => g.mul(x.sign()) });
/** Elementwise sign: -1, 0 or 1 (gradient 0). */
export const sign = unary('sign', { grad: (g) => g.mul(0) });
/** Elementwise `e ** x` (integers give float32). */
export const exp = unary('exp', { float: true, grad: (g, _x, out) => g.mul(out) });
/** Elementwise `exp(x) - 1`, exact near 0. */
export const expm1 = unary('expm1', { float: true, grad: (g, _x, out) => g.mul(out.add(1)) });
/** Elementwise natural logarithm (NaN below 0, -Infinity at 0). */
export const log = unary('log', { float: true, grad: (g, x) => g.div(x) });
/** Elementwise `log(1 + x)`, exact near 0. */
export const log1p = unary('log1p', { float: true, grad: (g, x) => g.div(x.add(1)) });
/** Elementwise square root (NaN below 0). */
export const sqrt = unary('sqrt', { float: true, grad: (g, _x, out) => g.div(out.mul(2)) });
/** Elementwise `1 / sqrt(x)`. */
export const rsqrt = unary('rsqrt', { float: true, grad: (g, _x, out) => g.mul(out.pow(3)).mul(-0.5) });
/** Elementwise `1 / x`. */
export const reciprocal = unary('reciprocal', {
  float: true,
  grad: (g, _x, out) => g.mul(out.square()).neg(),
});
/** Elementwise sine (radians). */
export const sin = unary('sin', { float: true, grad: (g, x) => g.mul(x.cos()) });
/** Elementwise cosine (radians). */
export const cos = unary('cos', { float: true, grad: (g, x) => g.mul(x.sin()).neg() });
/** Elementwise tangent (radians). */
export const tan = unary('tan', { float: true, grad: (g, _x, out) => g.mul(out.square().add(1)) });
/** Elementwise hyperbolic tangent. */
export const tanh = unary('tanh', { float: true, grad: (g, _x, out) => g.mul(out.square().neg().add(1)) });
/** Elementwise logistic sigmoid `1 / (1 + exp(-x))`. */
export const sigmoid = unary('sigmoid', {
  float: true,
  grad: (g, _x, out) => g.mul(out).mul(out.neg().add(1)),
});
/** Elementwise Gauss error function. */
export const erf = unary('erf', {
  float: true,
  grad: (g, x) => g.mul(x.square().neg().exp()).mul(SQRT_PI_2),
});
/** Elementwise round down (gradient 0). */
export const floor = unary('floor', { grad: (g) => g.mul(0) });
/** Elementwise round up (gradient 0). */
export const ceil = unary('ceil', { grad: (g) => g.mul(0) });
/** Elementwise round to nearest, ties to even (gradient 0). */
export const round = unary('round', { grad: (g) => g.mul(0) });
/** Elementwise `max(x, 0)`. */
// A select, not a multiply by the mask: PyTorch's threshold_backward gives 0 where the
// output is 0 even for an Inf or NaN gradient (0 * Inf would be NaN), and it saves the
// bool-to-float cast kernel (3 kernels -> 2 per ReLU in a CNN's backward pass).
export const relu = unary('relu', { grad: (g, _x, out) => where(out.gt(0), g, 0) });

/** Elementwise `x * x`. */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}

/** Elementwise clamp into `[min, max]`; a null or omitted bound does not clamp that side. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new TypeError("clamp: at least one of 'min' or 'max' must not be None");
  }
  return tidy(() => {
    x._check('clamp');
    let out = x;
    if (min !== undefined && min !== null) out = clampBound('maximum', out, min);
    if (max !== undefined && max !== null) out = clampBound('minimum', out, max);
    if (out === x) out = x.clone();
    const lo = min ?? null;
    const hi = max ?? null;
    // Gradient passes where min <= x <= max (inclusive), as PyTorch's clamp_backward.
    return attach(out.detach(), 'clamp', [x], [x], (g, [sx]) => {
      let mask = sx.eq(sx);
      if (lo !== null) mask = mask.logicalAnd(sx.ge(lo));
      if (hi !== null) mask = mask.logicalAnd(sx.le(hi));
      return [where(mask, g, 0)];
    });
  });
}

/** One bound of clamp, outside autograd (clamp records its own gradient). */
function clampBound(op: 'maximum' | 'minimum', x: Tensor, v: number): Tensor {
  const [ta, tb, dtype] = operands('clamp', x.detach(), v);
  return rawBinary(op, ta, tb, dtype, 'clamp');
}

// ---- selection --------------------------------------------------------------------------

/** torch.where(cond, a, b) with broadcasting across all three. */
export function where(cond: Tensor, a: Other, b: Other): Tensor {
  return tidy(() => {
    const backend = backendOf('where', cond, a, b);
    const [ta, tb, dtype] = operands('where', a, b);
    const c = cond.dtype === 'bool' ? cond : cast(cond, 'bool');
    const shape = broadcastShapes(broadcastShapes(c.shape, ta.shape, 'where'), tb.shape, 'where');
    const out = empty(shape, dtype, backend);
    if (out.size > 0)
      backend.where(broadcastView(c, shape), broadcastView(ta, shape), broadcastView(tb, shape), out._view());
    const aShape = ta.shape;
    const bShape = tb.shape;
    return attach(out, 'where', [ta, tb], [c], (g, [sc]) => [
      sumTo(where(sc, g, 0), aShape),
      sumTo(where(sc, 0, g), bShape),
    ]);
  });
}

/** A copy of `x` with `value` wherever the bool `mask` (broadcast to `x`'s shape) is true. */
export function maskedFill(x: Tensor, mask: Tensor, value: number | boolean): Tensor {
  if (mask.dtype !== 'bool') {
    throw new TypeError(`maskedFill: expected a bool mask, got ${mask.dtype}`);
  }
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
  if (shape.length !== x.ndim || shape.some((d, i) => d !== x.shape[i])) {
    throw new RangeError(
      `maskedFill: mask of shape ${fmtShape(mask.shape)} must broadcast to the input shape ${fmtShape(x.shape)}`,
    );
  }
  return tidy(() => {
    const fill = typeof value === 'boolean' ? Number(value) : value;
    const v = x.dtype === 'float32' ? fill : x.dtype === 'int32' ? Math.trunc(fill) : fill !== 0;
    return where(mask, scalarTensor(v, x.dtype, x.backend), x);
  });
}

/** out[...] += src in place (used for gradient accumulation). Same shape and dtype. */
export function addInPlace(dst: Tensor, src: Tensor): void {
  dst._check('addInPlace');
  if (dst.size === 0) return;
  const s = src.dtype === dst.dtype ? src : cast(src, dst.dtype);
  dst.backend.binary('add', dst._view(), broadcastView(s, dst.shape), dst._view());
  if (s !== src) s.dispose();
}
