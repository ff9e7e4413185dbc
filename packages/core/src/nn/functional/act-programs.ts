/**
 * Pointwise activations as expression programs: on a backend with `fused.expression` each
 * forward is one kernel and each backward one more (its symbolic derivative, grad.ts),
 * saving only the input; without it, activation.ts composes the same arithmetic from ops.
 *
 * The forward arithmetic is the composed path's, op for op, so both give the same float32
 * values. Kinks are written with `where` so that the derivative the rules produce is
 * PyTorch's at the kink itself: `where(x > 0, 0, x)` stands for min(x, 0) where PyTorch's
 * gradient passes at 0 (elu, celu, softplus's clamp), and clamps whose gradient is zero at
 * the bounds (hardtanh, relu6, hardsigmoid) select the bound as a constant there.
 */
import type { ExprBuilder } from '../../expr/build.js';
import { ExprBuilder as Builder } from '../../expr/build.js';
import type { ExprProgram } from '../../expr/ir.js';
import { exprOp } from '../../expr/op.js';
import { isFloat } from '../../tensor/dtype.js';
import { isHalf } from '../../tensor/half.js';
import { tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fusedKernel } from './fused.js';

/** Builds a program's single output from the builder and its input node `x`. */
type Body = (b: ExprBuilder, x: number) => number;

const programs = new Map<string, ExprProgram>();

function program(name: string, body: Body): ExprProgram {
  let p = programs.get(name);
  if (!p) {
    const b = new Builder(name);
    p = b.build([body(b, b.load(0))]);
    programs.set(name, p);
  }
  return p;
}

/** `x` clamped below to min(x, 0) with the gradient passing at 0 (see the file comment). */
function nonPositive(b: ExprBuilder, x: number): number {
  return b.where(b.binary('gt', x, b.const(0)), b.const(0), x);
}

/** log1p(exp(min(bx, threshold))), with the gradient passing at the threshold (softplus's clamp). */
function softplusCore(b: ExprBuilder, bx: number, threshold: number): number {
  const capped = b.where(b.binary('gt', bx, threshold), threshold, bx);
  return b.unary('log1p', b.unary('exp', capped));
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const BODIES: Record<string, Body> = {
  gelu: (b, x) => {
    const half = b.mul(x, b.const(0.5));
    return b.mul(half, b.add(b.unary('erf', b.mul(x, b.const(Math.SQRT1_2))), b.const(1)));
  },
  geluTanh: (b, x) => {
    const cube = b.mul(b.mul(x, x), x);
    const inner = b.mul(b.add(x, b.mul(cube, b.const(0.044715))), b.const(SQRT_2_OVER_PI));
    return b.mul(b.mul(x, b.const(0.5)), b.add(b.unary('tanh', inner), b.const(1)));
  },
  silu: (b, x) => b.mul(x, b.unary('sigmoid', x)),
  mish: (b, x) => {
    const sp = softplusCore(b, x, b.const(20));
    return b.mul(x, b.unary('tanh', b.where(b.binary('gt', x, b.const(20)), x, sp)));
  },
  // params: beta, threshold (beta = 1 skips the scaling, as the composed path does).
  softplus: (b, x) => {
    const beta = b.param(0);
    const threshold = b.param(1);
    const bx = b.mul(x, beta);
    const soft = b.div(softplusCore(b, bx, threshold), beta);
    return b.where(b.binary('gt', bx, threshold), x, soft);
  },
  softplus1: (b, x) => {
    const threshold = b.param(0);
    return b.where(b.binary('gt', x, threshold), x, softplusCore(b, x, threshold));
  },
  // params: alpha (and scale for selu's program).
  elu: (b, x) => {
    const neg = b.mul(b.unary('expm1', nonPositive(b, x)), b.param(0));
    return b.where(b.binary('gt', x, b.const(0)), x, neg);
  },
  selu: (b, x) => b.mul(BODIES.elu(b, x), b.param(1)),
  celu: (b, x) => {
    const alpha = b.param(0);
    const neg = b.mul(b.unary('expm1', b.div(nonPositive(b, x), alpha)), alpha);
    return b.where(b.binary('gt', x, b.const(0)), x, neg);
  },
  // params: minVal, maxVal. The gradient is zero at and beyond both bounds.
  hardtanh: (b, x) => {
    const lo = b.param(0);
    const hi = b.param(1);
    return b.where(b.binary('le', x, lo), lo, b.where(b.binary('ge', x, hi), hi, x));
  },
  hardsigmoid: (b, x) => b.div(hardInner(b, x, 'le'), b.const(6)),
  hardswish: (b, x) => b.div(b.mul(x, hardInner(b, x, 'lt')), b.const(6)),
  // params: negativeSlope.
  leakyRelu: (b, x) => b.where(b.binary('gt', x, b.const(0)), x, b.mul(x, b.param(0))),
  logSigmoid: (b, x) => {
    const nx = b.unary('neg', x);
    return b.unary('neg', b.where(b.binary('gt', nx, b.const(20)), nx, softplusCore(b, nx, b.const(20))));
  },
  softsign: (b, x) => b.div(x, b.add(b.unary('abs', x), b.const(1))),
  tanhshrink: (b, x) => b.sub(x, b.unary('tanh', x)),
  // params: lambd.
  softshrink: (b, x) => {
    const l = b.param(0);
    const inner = b.where(b.binary('lt', x, b.unary('neg', l)), b.add(x, l), b.const(0));
    return b.where(b.binary('gt', x, l), b.sub(x, l), inner);
  },
  hardshrink: (b, x) => b.where(b.binary('gt', b.unary('abs', x), b.param(0)), x, b.const(0)),
  // params: threshold, value.
  threshold: (b, x) => b.where(b.binary('gt', x, b.param(0)), x, b.param(1)),
};

/**
 * relu6(x + 3) with the derivative PyTorch gives: hardsigmoid's is zero at -3 and 3 (`le`
 * at the lower bound), hardswish's passes at -3 (`lt`) and is 1 from 3 on.
 */
function hardInner(b: ExprBuilder, x: number, lower: 'lt' | 'le'): number {
  const inner = b.where(b.binary('ge', x, b.const(3)), b.const(6), b.add(x, b.const(3)));
  return b.where(b.binary(lower, x, b.const(-3)), b.const(0), inner);
}

/** Names of the fused activations (keys of their programs). */
export type FusedActivation = keyof typeof BODIES;

/**
 * `name`'s program run on float32 `x` as one kernel (and one for its backward), or null when
 * the backend has no expression kernel (the caller composes it) or `x` is empty.
 */
export function fusedActivation(
  x: Tensor,
  name: FusedActivation,
  params: readonly number[] = [],
): Tensor | null {
  if (x.size === 0 || !isFloat(x.dtype)) return null;
  // 16-bit floats always take the program: it runs widened and rounds once (expr/run.ts), as
  // PyTorch's kernels, on the backend's kernel or core's fallback. Composed of rounded
  // primitives instead, gelu of -3.9 underflowed to 0 (1,700 ulps) on the template backend.
  if (!isHalf(x.dtype) && fusedKernel(x.backend, 'expression') === null) return null;
  const p = program(name, BODIES[name]);
  return tidy(() => exprOp(p, [x], { params })[0]);
}

/** The expression program of a fused activation by name (its derivatives can be taken to any order with `expr`'s grad). */
export function activationProgram(name: FusedActivation): ExprProgram {
  return program(name, BODIES[name]);
}
