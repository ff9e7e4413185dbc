/**
 * Expression programs as differentiable tensor ops: `exprOp` runs the program as one kernel
 * and, when an input needs a gradient, records one autograd node whose backward is the
 * program's derivative (grad.ts), run the same way, so it is again an expression op and
 * differentiable to any order. Several outputs are written into one stacked tensor, so the
 * backward of all of them is one node and one kernel. Only the inputs are saved.
 */
import { attach, needsGrad } from '../autograd/node.js';
import type { Backend } from '../backend/contract.js';
import { empty } from '../ops/kernel.js';
import { sumTo } from '../ops/reduce.js';
import { reshape, select } from '../ops/view.js';
import { broadcastShapes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { gradProgram } from './grad.js';
import type { ExprProgram } from './ir.js';
import { expressionLowDType, runExpression } from './run.js';

/** Options of {@link exprOp}. */
export interface ExprOpOptions {
  /** The call's params. */
  readonly params?: readonly number[];
  /** The call shape (default: the inputs' broadcast shape). */
  readonly shape?: readonly number[];
}

/** True when `backend` runs expressions as one kernel (compositions use them only then). */
export function hasExpressionKernel(backend: Backend): boolean {
  return backend.fused.expression !== undefined;
}

/**
 * Run `program` on `inputs` (one tensor per program output), recording it for autograd when
 * an input requires a gradient. Gradients flow to float inputs (16-bit ones compute in float32
 * and round, see run.ts); broadcast inputs get theirs summed to their shape.
 */
export function exprOp(
  program: ExprProgram,
  inputs: readonly Tensor[],
  options: ExprOpOptions = {},
): Tensor[] {
  if (!needsGrad(...inputs)) return runExpression(program, inputs, options);
  const op = `expression '${program.name}'`;
  const shape = options.shape ?? inputs.reduce<number[]>((s, t) => broadcastShapes(s, t.shape, op), []);
  const outShape = program.reduce ? shape.slice(0, -1) : shape;
  const m = program.outputs.length;
  const float = program.outputs.every((o) => program.nodes[o].dtype === 'float32');
  if (!float) throw new TypeError(`${op}: only programs with float32 outputs can be differentiated`);
  // 16-bit inputs run widened and their outputs round back (run.ts): their gradients too.
  const low = expressionLowDType(program, inputs);
  const wrt = inputs.map((t) => (t.dtype === 'float32' || t.dtype === low) && t.requiresGrad);
  const shapes = inputs.map((t) => t.shape);
  const params = options.params ?? [];
  let out: Tensor;
  if (m === 1) {
    [out] = runExpression(program, inputs, options);
  } else {
    out = empty([m, ...outShape], low ?? 'float32', inputs[0].backend, op);
    const into = program.outputs.map((_, j) => select(out, 0, j));
    runExpression(program, inputs, { ...options, into });
    for (const t of into) t.dispose();
  }
  const y = attach(out, program.name, inputs, inputs, (g, saved) => {
    const gs = m === 1 ? [g] : program.outputs.map((_, j) => select(g, 0, j));
    // A sum reduction's output gradient is broadcast back over each row.
    const gIn = program.reduce ? gs.map((t) => reshape(t, [...outShape, 1])) : gs;
    const dp = gradProgram(program, wrt);
    const grads = exprOp(dp, [...saved, ...gIn], { params, shape });
    let k = 0;
    return wrt.map((w, i) => (w ? sumTo(grads[k++], shapes[i]) : null));
  });
  return m === 1 ? [y] : program.outputs.map((_, j) => select(y, 0, j));
}
