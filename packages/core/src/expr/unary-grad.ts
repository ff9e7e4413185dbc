/**
 * The backward of core's elementwise unary ops as one expression kernel (reading x and the
 * incoming gradient, writing the input gradient) where the backend runs expressions: tanh's
 * is otherwise 4 kernels, sigmoid's 4, relu's 2. The rule is the op's in grad.ts, the same
 * formula as the composed backward in ops/elementwise.ts; as an expression op it stays
 * differentiable.
 */
import type { UnaryOp } from '../backend/contract.js';
import { shapeEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ExprBuilder } from './build.js';
import { gradProgram } from './grad.js';
import type { ExprProgram } from './ir.js';
import { exprOp, hasExpressionKernel } from './op.js';
import { DIFFERENTIABLE_UNARY_OPS } from './scalar.js';

const programs = new Map<UnaryOp, ExprProgram>();

/**
 * grad_x of `op` at `x` given the output gradient `g`, as one expression kernel, or null
 * where the backend has no expression kernel (or the operands do not fit: the caller then
 * composes the formula).
 */
export function fusedUnaryGrad(op: UnaryOp, g: Tensor, x: Tensor): Tensor | null {
  if (!DIFFERENTIABLE_UNARY_OPS.has(op) || x.dtype !== 'float32' || g.dtype !== 'float32') return null;
  if (!shapeEqual(g.shape, x.shape) || x.size === 0 || !hasExpressionKernel(x.backend)) return null;
  let dp = programs.get(op);
  if (!dp) {
    const b = new ExprBuilder(op);
    dp = gradProgram(b.build([b.unary(op, b.load(0))]), [true]);
    programs.set(op, dp);
  }
  return exprOp(dp, [x, g])[0];
}
