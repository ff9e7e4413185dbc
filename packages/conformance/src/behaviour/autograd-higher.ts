/**
 * Higher-order autograd semantics the fixtures cannot express: autograd.grad's contract,
 * backward's inputs and createGraph, gradgradcheck (the
 * finite-difference twin of the torch fixtures), and memory with createGraph in a loop.
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { assertArrayClose, check, expectThrows, type SuiteContext, values } from './context.js';
import { measureSoak } from './soak-loops.js';

const close = (actual: number[], want: number[], what: string) =>
  assertArrayClose(
    actual,
    want.map((v) => Math.fround(v)),
    1e-6 * Math.max(1, ...want.map(Math.abs)),
    what,
  );

export function autogradHigherBehaviour(ctx: SuiteContext): void {
  describe('autograd-higher', () => {
    const c = (title: string, fn: () => Promise<void> | void, timeoutMs?: number) =>
      check(ctx, 'autograd-higher', title, fn, timeoutMs);

    c('autograd.grad returns d/dx without touching .grad, and differentiates again', async () => {
      const x = L.tensor([1, -2, 0.5], { requiresGrad: true });
      const [dx] = L.autograd.grad(x.pow(3).sum(), x, { createGraph: true });
      expect(x.grad).toBeNull();
      expect(dx!.requiresGrad).toBe(true);
      close(await values(dx!), [3, 12, 0.75], 'd/dx x^3 = 3x^2');
      const [ddx] = L.autograd.grad(dx!.sum(), x, { createGraph: true });
      close(await values(ddx!), [6, -12, 3], 'd2/dx2 x^3 = 6x');
      const [d3] = L.autograd.grad(ddx!.sum(), x);
      close(await values(d3!), [6, 6, 6], 'd3/dx3 x^3 = 6');
      expect(d3!.requiresGrad).toBe(false);
      expect(x.grad).toBeNull();
      x.dispose();
    });

    c('autograd.grad: several outputs with gradOutputs, several inputs, allowUnused', async () => {
      const a = L.tensor([2, 3], { requiresGrad: true });
      const b = L.tensor([5, 7], { requiresGrad: true });
      const unused = L.tensor([1], { requiresGrad: true });
      const y1 = a.mul(b); // d/da = b, d/db = a
      const y2 = a.square(); // d/da = 2a
      const gOut = [L.tensor([1, 10]), L.tensor([100, 1000])];
      const [ga, gb, gu] = L.autograd.grad([y1, y2], [a, b, unused], {
        gradOutputs: gOut,
        allowUnused: true,
      });
      close(await values(ga!), [5 + 400, 70 + 6000], 'a: b * g1 + 2a * g2');
      close(await values(gb!), [2, 30], 'b: a * g1');
      expect(gu).toBeNull();
      expectThrows(() => L.autograd.grad(a.mul(b).sum(), [a, unused]), 'input 1', 'allowUnused');
      expectThrows(() => L.autograd.grad(a.sum(), L.tensor([1])), 'grad', 'does not require grad');
      expectThrows(
        () => L.autograd.grad([y1, y2], a, { gradOutputs: [gOut[0]] }),
        '2 outputs',
        '1 gradOutputs',
      );
      for (const t of [a, b, unused]) t.dispose();
    });

    c('gradients are differentiable in gradOutputs too', async () => {
      const x = L.tensor([0.5, -1], { requiresGrad: true });
      const v = L.tensor([2, 3], { requiresGrad: true });
      const [g] = L.autograd.grad(x.exp(), x, { gradOutputs: v, createGraph: true });
      const [dv, dx] = L.autograd.grad(g!.sum(), [v, x]);
      close(await values(dv!), [Math.exp(0.5), Math.exp(-1)], 'd(v e^x)/dv');
      close(await values(dx!), [2 * Math.exp(0.5), 3 * Math.exp(-1)], 'd(v e^x)/dx');
      x.dispose();
      v.dispose();
    });

    c('backward({ createGraph }) gives .grad a graph and accumulates out of place', async () => {
      const w = L.tensor([0.5, -1], { requiresGrad: true });
      w.exp().sum().backward(undefined, { createGraph: true });
      const first = w.grad!;
      expect(first.gradFn).not.toBeNull();
      w.square().sum().backward(undefined, { createGraph: true }); // + 2w, as a new tensor
      expect(first.isDisposed).toBe(true); // the old .grad was replaced, not written into
      const g = w.grad!;
      close(await values(g), [Math.exp(0.5) + 1, Math.exp(-1) - 2], 'e^w + 2w');
      const [h] = L.autograd.grad(g.sum(), w);
      close(await values(h!), [Math.exp(0.5) + 2, Math.exp(-1) + 2], 'd/dw (e^w + 2w)');
      w.grad = null;
      w.dispose();
    });

    c('backward({ inputs }) accumulates only into those, leaves or not', async () => {
      const a = L.tensor([1, 2], { requiresGrad: true });
      const b = L.tensor([3, 4], { requiresGrad: true });
      const h = a.mul(b); // non-leaf
      h.square()
        .sum()
        .backward(undefined, { inputs: [b, h] });
      expect(a.grad).toBeNull();
      close(await values(b.grad!), [2 * 3 * 1, 2 * 8 * 2], 'b: 2 h a');
      close(await values(h.grad!), [6, 16], 'h: 2 h');
      expectThrows(() => a.sum().backward(undefined, { inputs: [L.tensor([1])] }), 'does not require grad');
      for (const t of [a, b]) t.dispose();
    });

    c('retainGraph defaults to createGraph; without it a second pass is refused', () => {
      const x = L.tensor([1, 2], { requiresGrad: true });
      const y = x.exp().sum();
      L.autograd.grad(y, x, { createGraph: true });
      L.autograd.grad(y, x); // the graph was retained by createGraph
      expectThrows(() => L.autograd.grad(y, x), 'second time', 'retainGraph');
      x.dispose();
    });

    c('createGraph loops free every graph deterministically inside tidy', () => {
      const lin = new L.nn.Linear(4, 3);
      const x0 = L.randn([5, 4]);
      const before = L.memory().tensors;
      for (let i = 0; i < 5; i++) {
        L.tidy(() => {
          const x = x0.detach().requiresGrad_();
          const [g] = L.autograd.grad(L.F.gelu(lin.forward(x)).sum(), x, { createGraph: true });
          g!.square().sum().backward();
        });
        for (const p of lin.parameters()) p.grad = null;
      }
      expect(L.memory().tensors).toBe(before);
    });

    c(
      'gradient-penalty loop without tidy, dispose or GC stays bounded',
      async () => {
        // The soak's guarantee (at most 512 handles wait for a collection, finalizers run at
        // each readback every 50 steps) holds with createGraph: growth is bounded by it.
        const r = await measureSoak('gp', { steps: 600, warmup: 200, batch: 2 });
        expect(r.peak.tensors - r.warm.tensors).toBeLessThan(512 + 50 * r.handlesPerStep);
        expect(r.end.bytes).toBeLessThan(1.5 * r.warm.bytes + 2 ** 20);
      },
      240_000,
    );

    // gradgradcheck: finite differences of the analytic first derivative in float32. eps 1e-2
    // keeps rounding (~eps32 |f'| / eps ~ 1e-5) and truncation (~eps^2 f'''' ~ 1e-4) well
    // inside atol = rtol = 1e-2; the torch fixtures (autograd-higher) are the tight check.
    const ggc = (title: string, fn: (...t: L.Tensor[]) => L.Tensor, shapes: number[][], positive = false) =>
      check(ctx, 'gradgradcheck', title, async () => {
        L.manualSeed(11);
        const inputs = shapes.map((s) => {
          const r = L.rand(s);
          return (positive ? r.mul(1.5).add(0.5) : r.mul(2).sub(1)).detach().requiresGrad_();
        });
        const res = await L.gradgradcheck(fn, inputs, { eps: 1e-2, atol: 1e-2, rtol: 1e-2 });
        for (const t of inputs) t.dispose();
        if (!res.ok) throw new Error(`gradgradcheck ${title}: ${res.message}`);
      });
    ggc('gelu', (x) => L.F.gelu(x), [[2, 3]]);
    ggc('gelu tanh', (x) => L.F.gelu(x, { approximate: 'tanh' }), [[2, 3]]);
    ggc('silu', (x) => L.F.silu(x), [[2, 3]]);
    ggc('softplus', (x) => L.F.softplus(x.mul(3)), [[2, 3]]);
    ggc('tanh', (x) => x.tanh(), [[2, 3]]);
    ggc(
      'sigmoid * log',
      (x, y) => x.sigmoid().mul(y.log()),
      [
        [2, 3],
        [2, 3],
      ],
      true,
    );
    ggc('softmax, logSoftmax', (x) => L.F.softmax(x, 1).mul(L.F.logSoftmax(x.mul(2), 1)), [[2, 4]]);
    ggc('layerNorm', (x, w) => L.F.layerNorm(x, [4], { weight: w }), [[3, 4], [4]]);
    ggc('linear, mseLoss', (x, w, t) => L.F.mseLoss(L.F.linear(x, w).tanh(), t), [
      [3, 4],
      [2, 4],
      [3, 2],
    ]);
    ggc('conv2d', (x, w) => L.F.conv2d(x, w, null, { padding: 1 }).tanh(), [
      [1, 2, 4, 4],
      [2, 2, 3, 3],
    ]);
    ggc('maxPool2d', (x) => L.F.maxPool2d(x.square(), 2), [[1, 1, 4, 4]]);
    ggc('crossEntropy', (x) => L.F.crossEntropy(x, L.tensor([0, 2, 1], { dtype: 'int32' })), [[3, 4]]);
    ggc(
      'div, pow, matmul',
      (a, b) => a.div(b).pow(2).matmul(b.T),
      [
        [2, 3],
        [2, 3],
      ],
      true,
    );
  });
}
