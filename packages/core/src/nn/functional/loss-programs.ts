/**
 * Pointwise losses as expression programs: where the backend runs expressions, a loss with
 * a 'sum' or 'mean' reduction is one kernel (the elementwise terms and their sum; 'mean'
 * then divides the scalar) and its backward one more (the program's derivative), instead of
 * 4-7 elementwise kernels and a reduction each way. The terms are the composed path's,
 * op for op. Used when input and target share a shape (broadcast targets take the composed
 * path).
 */
import type { ExprBuilder } from '../../expr/build.js';
import { ExprBuilder as Builder } from '../../expr/build.js';
import type { ExprProgram } from '../../expr/ir.js';
import { exprOp } from '../../expr/op.js';
import { isFloat } from '../../tensor/dtype.js';
import { isHalf } from '../../tensor/half.js';
import { shapeEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fusedKernel } from './fused.js';

type Body = (b: ExprBuilder, x: number, y: number) => number;

const BODIES = {
  mse: (b, x, y) => {
    const d = b.sub(x, y);
    return b.mul(d, d);
  },
  l1: (b, x, y) => b.unary('abs', b.sub(x, y)),
  // params: beta, 0.5 / beta, 0.5 * beta.
  smoothL1: (b, x, y) => {
    const d = b.sub(x, y);
    const a = b.unary('abs', d);
    return b.where(b.binary('lt', a, b.param(0)), b.mul(b.mul(d, d), b.param(1)), b.sub(a, b.param(2)));
  },
  // params: delta, 0.5 * delta.
  huber: (b, x, y) => {
    const d = b.sub(x, y);
    const a = b.unary('abs', d);
    const quad = b.mul(b.mul(d, d), b.const(0.5));
    return b.where(b.binary('lt', a, b.param(0)), quad, b.mul(b.sub(a, b.param(1)), b.param(0)));
  },
  // (1 - y) x + softplus(-x), with softplus(-x) = log(e^-m + e^(-x-m)) + m, m = max(-x, 0).
  bceWithLogits: (b, x, y) => {
    const nx = b.unary('neg', x);
    const m = b.binary('maximum', nx, b.const(0));
    const sp = b.add(
      b.unary('log', b.add(b.unary('exp', b.unary('neg', m)), b.unary('exp', b.sub(nx, m)))),
      m,
    );
    return b.add(b.mul(b.add(b.unary('neg', y), b.const(1)), x), sp);
  },
} satisfies Record<string, Body>;

/** Names of the fused losses. */
export type FusedLoss = keyof typeof BODIES;

const programs = new Map<string, ExprProgram>();

function program(name: FusedLoss, reduced: boolean): ExprProgram {
  const key = `${name}${reduced ? ':sum' : ''}`;
  let p = programs.get(key);
  if (!p) {
    const b = new Builder(key);
    const out = BODIES[name](b, b.load(0), b.load(1));
    p = b.build([out], reduced ? { reduce: 'sum' } : {});
    programs.set(key, p);
  }
  return p;
}

/**
 * The loss `name` of same-shaped float32 `input` and `target`, reduced, as one expression
 * kernel with autograd; null where the backend has no expression kernel or the operands do
 * not fit (the caller composes the loss).
 */
export function fusedLoss(
  name: FusedLoss,
  input: Tensor,
  target: Tensor,
  reduction: 'none' | 'mean' | 'sum',
  params: readonly number[] = [],
): Tensor | null {
  if (!shapeEqual(input.shape, target.shape) || input.size === 0) return null;
  if (!isFloat(input.dtype) || !isFloat(target.dtype)) return null;
  // 16-bit floats always take the program (kernel or core's fallback): widened, rounded once
  // (expr/run.ts).
  if (!isHalf(input.dtype) && fusedKernel(input.backend, 'expression') === null) return null;
  if (reduction === 'none') return exprOp(program(name, false), [input, target], { params })[0];
  const flat = [1, input.size];
  const [s] = exprOp(program(name, true), [input.reshape(flat), target.reshape(flat)], {
    params,
    shape: flat,
  });
  const total = s.reshape([]);
  return reduction === 'sum' ? total : total.div(input.size);
}
