import { describe, expect, it } from 'vitest';
import { UNARY_OPS } from '../src/backend/contract.js';
import { ExprBuilder } from '../src/expr/build.js';
import { gradProgram } from '../src/expr/grad.js';
import { DIFFERENTIABLE_UNARY_OPS, STEP_UNARY_OPS } from '../src/expr/scalar.js';

describe('DIFFERENTIABLE_UNARY_OPS', () => {
  it('holds exactly the unary ops whose derivative program is not the constant 0', () => {
    for (const op of UNARY_OPS) {
      const b = new ExprBuilder(op);
      const d = gradProgram(b.build([b.unary(op, b.load(0))]), [true]);
      const out = d.nodes[d.outputs[0]];
      const zero = out.kind === 'const' && out.value === 0;
      expect({ op, differentiable: DIFFERENTIABLE_UNARY_OPS.has(op) }).toEqual({ op, differentiable: !zero });
    }
  });

  it('leaves out the step ops, whose derivative is zero almost everywhere', () => {
    for (const op of STEP_UNARY_OPS) expect(DIFFERENTIABLE_UNARY_OPS.has(op)).toBe(false);
    expect(DIFFERENTIABLE_UNARY_OPS.has('tanh')).toBe(true);
  });
});
