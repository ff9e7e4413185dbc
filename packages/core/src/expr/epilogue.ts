/**
 * Expression epilogues for kernel authors: apply elementwise work to a freshly computed
 * output (a matmul's or a convolution's) in place, as one kernel, e.g. bias + activation
 * after a GEMM. The `conv` and `gpu` engineers' fused paths can call it now, and fold the
 * program into their own kernels later (the program says exactly what to compute).
 */

import type { Tensor } from '../tensor/tensor.js';
import type { ExprBuilder } from './build.js';
import { ExprBuilder as Builder } from './build.js';
import type { ExprProgram } from './ir.js';
import { runExpression } from './run.js';

/** Activations an epilogue can end with. */
export type EpilogueActivation = 'none' | 'relu' | 'gelu' | 'geluTanh' | 'silu' | 'tanh' | 'sigmoid';

function activate(b: ExprBuilder, x: number, act: EpilogueActivation): number {
  switch (act) {
    case 'none':
      return x;
    case 'relu':
    case 'tanh':
    case 'sigmoid':
      return b.unary(act, x);
    case 'silu':
      return b.mul(x, b.unary('sigmoid', x));
    case 'gelu':
      return b.mul(
        b.mul(x, b.const(0.5)),
        b.add(b.unary('erf', b.mul(x, b.const(Math.SQRT1_2))), b.const(1)),
      );
    case 'geluTanh': {
      const inner = b.mul(
        b.add(x, b.mul(b.mul(b.mul(x, x), x), b.const(0.044715))),
        b.const(Math.sqrt(2 / Math.PI)),
      );
      return b.mul(b.mul(x, b.const(0.5)), b.add(b.unary('tanh', inner), b.const(1)));
    }
  }
}

const programs = new Map<string, ExprProgram>();

/**
 * The program `act(out + bias)` (input 0: the output, input 1: the bias, broadcast), or
 * `act(out)` without a bias, with the same arithmetic as F's composed ops.
 */
export function biasActivationProgram(act: EpilogueActivation, bias: boolean): ExprProgram {
  const key = `epilogue:${bias ? 'bias+' : ''}${act}`;
  let p = programs.get(key);
  if (!p) {
    const b = new Builder(key);
    const x = bias ? b.add(b.load(0), b.load(1)) : b.load(0);
    p = b.build([activate(b, x, act)]);
    programs.set(key, p);
  }
  return p;
}

/**
 * Run `program` with `out` as input 0 (and `others` after it, broadcast to out's shape),
 * writing its single output back into `out` in place; one kernel where the backend has
 * `fused.expression`, core's fallback otherwise. Outside autograd: for forward kernels
 * whose caller records the gradient itself.
 */
export function applyEpilogue(
  program: ExprProgram,
  out: Tensor,
  others: readonly Tensor[] = [],
  params: readonly number[] = [],
): Tensor {
  if (program.outputs.length !== 1) {
    throw new RangeError(
      `epilogue '${program.name}': needs a program with one output, got ${program.outputs.length}`,
    );
  }
  runExpression(program, [out, ...others], { params, shape: out.shape, into: [out] });
  return out;
}
