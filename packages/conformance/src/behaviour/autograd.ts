/** Autograd semantics that fixtures cannot express: accumulation, graph lifetime, modes. */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { assertArrayClose, check, expectThrows, type SuiteContext, values } from './context.js';

export function autogradBehaviour(ctx: SuiteContext): void {
  describe('autograd', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'autograd', title, fn);

    c('grad accumulates across two backward calls', async () => {
      const x = L.tensor([1, 2, 3], { requiresGrad: true });
      x.mul(x).sum().backward(); // d/dx sum(x^2) = 2x
      x.mul(3).sum().backward(); // + 3
      assertArrayClose(await values(x.grad!), [5, 7, 9], 0, 'x.grad');
      x.dispose();
    });

    c('second backward through the same graph needs retainGraph', async () => {
      const x = L.tensor([1, 2], { requiresGrad: true });
      const y = x.exp().sum();
      y.backward(undefined, { retainGraph: true });
      y.backward(); // allowed: the graph was retained
      const e = [Math.exp(1), Math.exp(2)].map((v) => Math.fround(2 * Math.fround(v)));
      assertArrayClose(await values(x.grad!), e, 1e-6 * 8, 'x.grad after two backward calls');
      expectThrows(() => y.backward(), /retainGraph|retain_graph|freed|second time/i);
      x.dispose();
    });

    c('backward on a non-scalar needs a gradient argument', async () => {
      const x = L.tensor([1, 2, 3], { requiresGrad: true });
      const y = x.mul(2);
      expectThrows(() => y.backward(), /scalar|grad/i);
      y.backward(L.tensor([1, 0.5, -1]));
      assertArrayClose(await values(x.grad!), [2, 1, -2], 0, 'x.grad');
      x.dispose();
    });

    c('noGrad builds no graph; enableGrad re-enables inside it', () => {
      const x = L.tensor([1, 2], { requiresGrad: true });
      const y = L.noGrad(() => x.mul(2));
      expect(y.requiresGrad).toBe(false);
      expect(L.noGrad(() => L.isGradEnabled())).toBe(false);
      const z = L.noGrad(() => L.enableGrad(() => x.mul(2)));
      expect(z.requiresGrad).toBe(true);
      expect(L.isGradEnabled()).toBe(true);
      x.dispose();
    });

    c('detach cuts the graph and shares values', async () => {
      const x = L.tensor([1, 2], { requiresGrad: true });
      const d = x.mul(3).detach();
      expect(d.requiresGrad).toBe(false);
      assertArrayClose(await values(d), [3, 6], 0, 'detached values');
      const y = x.mul(d).sum(); // d is a constant: dy/dx = d
      y.backward();
      assertArrayClose(await values(x.grad!), [3, 6], 0, 'x.grad');
      x.dispose();
    });

    c('tensors that do not require grad get no grad', async () => {
      const x = L.tensor([1, 2], { requiresGrad: true });
      const w = L.tensor([3, 4]);
      x.mul(w).sum().backward();
      expect(w.grad).toBeNull();
      assertArrayClose(await values(x.grad!), [3, 4], 0, 'x.grad');
      x.dispose();
    });

    c('int32 tensors cannot require grad', () => {
      expectThrows(() => L.tensor([1, 2], { dtype: 'int32', requiresGrad: true }), 'int32');
    });

    // Composite functions checked against central differences in float32: eps = 1e-2 keeps the
    // rounding error (~eps32 * |f| / eps ~ 1e-5) and the truncation error (~eps^2 * f''' ~ 1e-4)
    // both well under atol = rtol = 1e-2.
    const gc = (title: string, fn: (...t: L.Tensor[]) => L.Tensor, shapes: number[][], positive = false) =>
      check(ctx, 'gradcheck', title, async () => {
        L.manualSeed(7);
        const inputs = shapes.map((s) => {
          const r = L.rand(s);
          const v = positive ? r.mul(1.5).add(0.5) : r.mul(2).sub(1);
          return v.detach().requiresGrad_();
        });
        const res = await L.gradcheck(fn, inputs, { eps: 1e-2, atol: 1e-2, rtol: 1e-2 });
        if (!res.ok) throw new Error(`gradcheck ${title}: ${res.message}`);
      });
    gc('tanh(x @ w + b)', (x, w, b) => x.matmul(w).add(b).tanh(), [[3, 4], [4, 2], [2]]);
    gc('x * sigmoid(y) / (1 + x^2)', (x, y) => x.mul(y.sigmoid()).div(x.square().add(1)), [
      [2, 3],
      [2, 3],
    ]);
    gc('logsumexp - mean over rows', (x) => x.logsumexp(1).sub(x.mean(1)), [[3, 5]]);
    gc(
      'pow and log with broadcasting',
      (x, y) => x.pow(y).log1p().mul(y),
      [
        [3, 1],
        [1, 4],
      ],
      true,
    );
    gc(
      'normalise with var',
      (x) => x.sub(x.mean(-1, { keepdim: true })).div(x.var(-1, { keepdim: true }).add(1).sqrt()),
      [[2, 6]],
    );
  });
}
