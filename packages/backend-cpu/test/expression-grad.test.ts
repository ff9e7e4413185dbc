/**
 * Fused activations differentiated to second order through their expression programs: the
 * backward of an expression op is the program's symbolic derivative run as another expression
 * op, so differentiating that again gives the second derivative. Expected values are PyTorch
 * 1.13's (float64 autograd with create_graph, fixtures/activation-grad2.py).
 */
import { readFileSync } from 'node:fs';
import * as L from '@layers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

interface Case {
  params: number[];
  y: number[];
  d1: number[];
  d2: number[];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/activation-grad2.json', import.meta.url), 'utf8')) as {
  x: number[];
  cases: Record<string, Case>;
};

beforeAll(async () => {
  L.setBackend(await createCpuBackend());
});

/**
 * float32 through a few (forward) to ~15 (second derivative) roundings of values near 1, some
 * through exp/erf/tanh (a few ulps each): relative 2^-20, absolute 1e-6 where terms cancel.
 */
const TOL = { y: [2e-7, 1e-6], d1: [5e-7, 2e-6], d2: [2e-6, 8e-6] } as const;

function expectClose(
  got: Float32Array | number[],
  want: number[],
  [atol, rtol]: readonly number[],
  what: string,
) {
  want.forEach((w, i) => {
    const err = Math.abs(got[i] - w);
    if (!(err <= atol + rtol * Math.abs(w)))
      throw new Error(`${what}[${i}] (x = ${fx.x[i]}): ${got[i]}, PyTorch ${w}`);
  });
}

describe('expression activations, second derivatives', () => {
  for (const [name, c] of Object.entries(fx.cases)) {
    it(`${name}: value, first and second derivative match PyTorch`, () => {
      const p = L.expr.activationProgram(name as Parameters<typeof L.expr.activationProgram>[0]);
      const x = L.tensor(fx.x).requiresGrad_(true);
      const [y] = L.expr.exprOp(p, [x], { params: c.params });
      expectClose(y.dataSync() as Float32Array, c.y, TOL.y, `${name}(x)`);
      y.sum().backward();
      expectClose(x.grad?.dataSync() as Float32Array, c.d1, TOL.d1, `${name}'(x) by backward`);
      // The derivative program itself is an expression op: its backward gives f''.
      const x2 = L.tensor(fx.x).requiresGrad_(true);
      const [d1] = L.expr.exprOp(L.expr.gradProgram(p, [true]), [x2, L.onesLike(x2)], { params: c.params });
      expectClose(d1.dataSync() as Float32Array, c.d1, TOL.d1, `${name}'(x) by the derivative program`);
      expect(d1.gradFn).not.toBeNull();
      d1.sum().backward();
      expectClose(x2.grad?.dataSync() as Float32Array, c.d2, TOL.d2, `${name}''(x)`);
    });
  }
});
