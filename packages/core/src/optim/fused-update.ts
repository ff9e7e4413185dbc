/**
 * Optimizer updates as expression programs: on a backend with `fused.expression`, one
 * parameter's whole update (parameter, moment buffers) is one kernel that reads each tensor
 * once and writes it in place, where the composed update runs an elementwise kernel per term
 * (Adam: ~12). The arithmetic is the composed path's, term for term and with the same
 * float32 scalars; the programs are `relaxed` (intermediates may stay above float32
 * precision, as the hand-written Adam kernels always did), so the results agree with the
 * composed path to an ulp or so per term. Values that change per step (lr, bias
 * corrections) are params: one compiled kernel serves every step.
 */
import { ExprBuilder } from '../expr/build.js';
import type { ExprProgram } from '../expr/ir.js';
import { runExpression } from '../expr/run.js';
import { fusedKernel } from '../nn/functional/fused.js';
import type { Tensor } from '../tensor/tensor.js';
import { assignParam } from './optimizer.js';

/** Node ids of the inputs every update program starts with. */
export interface UpdateInputs {
  /** The parameter (input 0). */
  readonly p: number;
  /** The gradient (input 1). */
  readonly grad: number;
  /** The state buffers (inputs 2...), in the order the caller passes them. */
  readonly states: readonly number[];
}

/** Builds an update: returns the new parameter's node and one node per state buffer. */
export type UpdateBody = (b: ExprBuilder, inputs: UpdateInputs) => { p: number; states: number[] };

const programs = new Map<string, ExprProgram>();

/**
 * Run one fused update of `p` with `grad`, writing `p` and every state buffer in place;
 * `key` names the program variant (its flags), `params` are this step's scalars. Returns
 * false (and does nothing) when the backend has no expression kernel or `p` is not float32,
 * so the caller composes the update instead.
 */
export function fusedUpdate(
  key: string,
  body: UpdateBody,
  p: Tensor,
  grad: Tensor,
  states: readonly Tensor[],
  params: readonly number[],
): boolean {
  // A 16-bit param is read widened and written back rounded by runExpression.
  if (fusedKernel(p.backend, 'expression') === null) return false;
  let program = programs.get(key);
  if (!program) {
    const b = new ExprBuilder(key);
    const inputs = { p: b.load(0), grad: b.load(1), states: states.map((_, i) => b.load(2 + i)) };
    const out = body(b, inputs);
    // Every variant takes the optimizer's full param list, used or not.
    program = b.build([out.p, ...out.states], { paramCount: params.length, relaxed: true });
    programs.set(key, program);
  }
  // Write the parameter in place unless an autograd alias shares its storage (the saved
  // value must stay), as the composed path's assignParam does.
  const owns = p._ownsStorage();
  const [np] = runExpression(program, [p, grad, ...states], {
    params,
    shape: p.shape,
    into: [owns ? p : null, ...states],
  });
  if (!owns) assignParam(p, np);
  return true;
}

/** `d = maximize ? -grad : grad`, then `d + p * wd` when `wd` (a param node) is given. */
export function direction(b: ExprBuilder, i: UpdateInputs, maximize: boolean, wd: number | null): number {
  let d = maximize ? b.unary('neg', i.grad) : i.grad;
  if (wd !== null) d = b.add(d, b.mul(i.p, wd));
  return d;
}
