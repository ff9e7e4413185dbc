/**
 * Cross entropy of class-index targets as expression kernels, where the backend runs
 * expressions: for logits [N, C], int32 targets [N], no class weight and no label smoothing
 * (the common training case), the forward is logSoftmax plus two expression reductions (the
 * picked -logp per row, then its sum and the count of non-ignored targets in one kernel)
 * and a division for 'mean', and the backward is ONE kernel,
 *   dx = where(onehot, t, 0) - exp(logp) t,  t = -g / count (0 where the target is ignored),
 * which is ATen's nll_loss_backward followed by log_softmax_backward, op for op. The
 * composed path ran 13 kernels forward and 16 backward on the digit CNN's step (measured
 * with profile() on webgpu). The class index comes from an int32 arange written from the
 * host (a transfer, not a kernel), compared with the target inside the program.
 *
 * The backward is itself an expression op on the saved logp (recorded from the input), so
 * a createGraph backward differentiates through it to any order.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { attach } from '../../autograd/node.js';
import { ExprBuilder } from '../../expr/build.js';
import type { ExprProgram } from '../../expr/ir.js';
import { exprOp } from '../../expr/op.js';
import { runExpression } from '../../expr/run.js';
import { arange } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { logSoftmax } from './activation.js';
import { fusedKernel } from './fused.js';
import type { Reduction } from './loss.js';

const programs = new Map<string, ExprProgram>();

function cached(key: string, make: () => ExprProgram): ExprProgram {
  let p = programs.get(key);
  if (!p) {
    p = make();
    programs.set(key, p);
  }
  return p;
}

/** Inputs: logp [N, C], target [N, 1], class index [1, C]; param 0: ignoreIndex. Sums over C. */
function pickProgram(): ExprProgram {
  return cached('pick', () => {
    const b = new ExprBuilder('crossEntropy:pick');
    const y = b.load(1, 'int32');
    const hit = b.binary(
      'logicalAnd',
      b.binary('eq', b.load(2, 'int32'), y),
      b.binary('ne', y, b.param(0, 'int32')),
    );
    return b.build([b.where(hit, b.unary('neg', b.load(0)), b.const(0))], { reduce: 'sum' });
  });
}

/** Inputs: per-row loss [1, N], target [1, N]; param 0: ignoreIndex. Outputs: the loss sum and the count. */
function totalProgram(): ExprProgram {
  return cached('total', () => {
    const b = new ExprBuilder('crossEntropy:mean');
    const kept = b.cast(b.binary('ne', b.load(1, 'int32'), b.param(0, 'int32')), 'float32');
    return b.build([b.load(0), kept], { reduce: 'sum' });
  });
}

/**
 * Inputs: logp [N, C], target [N, 1], class index [1, C], output gradient (broadcast), and
 * for 'mean' the count; param 0: ignoreIndex.
 */
function gradProgram(mean: boolean): ExprProgram {
  return cached(mean ? 'grad:mean' : 'grad', () => {
    const b = new ExprBuilder('crossEntropy:grad');
    const y = b.load(1, 'int32');
    const s = mean ? b.div(b.load(3), b.load(4)) : b.load(3);
    const zero = b.const(0);
    const t = b.where(b.binary('ne', y, b.param(0, 'int32')), b.unary('neg', s), zero);
    const picked = b.where(b.binary('eq', b.load(2, 'int32'), y), t, zero);
    return b.build([b.sub(picked, b.mul(b.unary('exp', b.load(0)), t))]);
  });
}

/**
 * crossEntropy(input, target) for float32 logits [N, C] and int32 targets [N] (already
 * checked and range-checked by the caller) as expression kernels with autograd; null where
 * the backend has no expression kernel or the call does not fit (the caller composes it).
 */
export function fusedCrossEntropy(
  input: Tensor,
  target: Tensor,
  reduction: Reduction,
  ignoreIndex: number,
): Tensor | null {
  if (input.ndim !== 2 || input.dtype !== 'float32' || input.size === 0) return null;
  if (!Number.isInteger(ignoreIndex) || Math.abs(ignoreIndex) > 2 ** 31 - 1) return null;
  if (fusedKernel(input.backend, 'expression') === null) return null;
  const [n, c] = input.shape;
  const params = [ignoreIndex];
  // Recorded, so a createGraph backward differentiates the saved logp back to the input.
  const logp = logSoftmax(input, 1);
  const y = target.reshape([n, 1]);
  const cls = arange(c, undefined, 1, { backend: input.backend }).reshape([1, c]);
  const mean = reduction === 'mean';
  const [out, count] = noGrad((): [Tensor, Tensor | null] => {
    const [nll] = runExpression(pickProgram(), [logp, y, cls], { params, shape: [n, c] });
    if (reduction === 'none') return [nll, null];
    if (!mean) return [nll.sum(), null];
    const [total, kept] = runExpression(totalProgram(), [nll.reshape([1, n]), target.reshape([1, n])], {
      params,
      shape: [1, n],
    });
    const k = kept.reshape([]);
    return [total.reshape([]).div(k), k];
  });
  const saved = count ? [logp, y, cls, count] : [logp, y, cls];
  return attach(out, 'crossEntropy', [input], saved, (g, [sl, sy, sc, sn]) => {
    const gIn = reduction === 'none' ? g.reshape([n, 1]) : g;
    const ins = sn ? [sl, sy, sc, gIn, sn] : [sl, sy, sc, gIn];
    return [exprOp(gradProgram(mean), ins, { params, shape: [n, c] })[0]];
  });
}
