/**
 * Pooling through a backend's fused pool2d against core's composed path (the kernel hidden),
 * which the PyTorch fixtures pin down: values, indices and input gradients over the options
 * that change window geometry (padding, dilation, ceilMode, countIncludePad, divisorOverride),
 * 1-D pools, ties and a NaN. Backends without the kernel check that the fallback ran.
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, fusedAndFallback, type SuiteContext, values } from './context.js';

/**
 * Max pooling values and indices are exact. A gradient that several windows send to one
 * position is a sum, which the two paths may add in another order, and average pooling may
 * sum a window in another order (vector lanes) with a transposed convolution as its backward:
 * a few float32 roundings of values below 8 in magnitude.
 */
const SUM_ATOL = 2e-6;

interface Case {
  name: string;
  shape: number[];
  run(x: L.Tensor): L.Tensor | [L.Tensor, L.Tensor];
}

const F = L.F;
const CASES: Case[] = [
  {
    name: 'maxPool2d k3 s2 p1, indices',
    shape: [2, 3, 9, 8],
    run: (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1, returnIndices: true }),
  },
  {
    name: 'maxPool2d k2 dilation 2 ceilMode',
    shape: [1, 2, 9, 10],
    run: (x) => F.maxPool2d(x, 2, { dilation: 2, ceilMode: true, returnIndices: true }),
  },
  {
    name: 'maxPool2d k(2,3) s(1,2), unbatched',
    shape: [3, 6, 7],
    run: (x) => F.maxPool2d(x, [2, 3], { stride: [1, 2] }),
  },
  { name: 'maxPool2d k2 s2 on 12 columns', shape: [2, 3, 8, 12], run: (x) => F.maxPool2d(x, 2) },
  // Width-2 windows at stride 2 take the wasm kernel's paired path (pool.ts pairs2), here
  // with the top rows clipped by the padding and a run of 8 vector columns.
  {
    name: 'maxPool2d k2 s2 p1 on 17 columns, indices',
    shape: [2, 3, 9, 17],
    run: (x) => F.maxPool2d(x, 2, { padding: 1, returnIndices: true }),
  },
  { name: 'avgPool2d k2 s2 on 16 columns', shape: [1, 2, 6, 16], run: (x) => F.avgPool2d(x, 2) },
  { name: 'maxPool2d k3 s1 on 9 columns', shape: [1, 2, 7, 9], run: (x) => F.maxPool2d(x, 3, { stride: 1 }) },
  {
    name: 'maxPool1d k3 s1 p1, indices',
    shape: [2, 3, 11],
    run: (x) => F.maxPool1d(x, 3, { stride: 1, padding: 1, returnIndices: true }),
  },
  {
    name: 'avgPool2d k3 s2 p1 ceilMode, countIncludePad false',
    shape: [2, 3, 9, 8],
    run: (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  },
  {
    name: 'avgPool2d k2 divisorOverride 3',
    shape: [1, 2, 6, 7],
    run: (x) => F.avgPool2d(x, 2, { divisorOverride: 3 }),
  },
  {
    name: 'avgPool2d k3 s1 p1',
    shape: [2, 4, 8, 8],
    run: (x) => F.avgPool2d(x, 3, { stride: 1, padding: 1 }),
  },
  {
    name: 'avgPool1d k4 s3 p2 ceilMode',
    shape: [2, 3, 13],
    run: (x) => F.avgPool1d(x, 4, { stride: 3, padding: 2, ceilMode: true }),
  },
];

/** Inputs on a 0.5 grid in [-4, 4] (so windows hold ties), with one NaN for the max pools. */
function input(shape: number[], withNaN: boolean): L.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = ((s >>> 16) % 17) / 2 - 4;
  }
  if (withNaN) data[Math.floor(n / 3)] = Number.NaN;
  return L.fromTypedArray(data, shape);
}

async function runCase(c: Case): Promise<number[][]> {
  const x = input(c.shape, c.name.startsWith('max')).requiresGrad_();
  const r = c.run(x);
  const [y, idx] = Array.isArray(r) ? r : [r, null];
  L.manualSeed(4);
  // NaN outputs would make every gradient NaN through a sum: weight them by zero instead.
  const finite = y.isnan().logicalNot();
  y.where(finite, 0).mul(L.randn(y.shape)).sum().backward();
  const got = [await values(y), await values(x.grad!)];
  got.push(idx ? await values(idx) : []);
  // Without gradients a backend may take a values-only path.
  const r2 = L.noGrad(() => c.run(x));
  got.push(await values(Array.isArray(r2) ? r2[0] : r2));
  return got;
}

function same(a: number[], b: number[], atol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i])) expect(a[i], `${what}[${i}]`).toBeNaN();
    else if (!(Math.abs(a[i] - b[i]) <= atol))
      throw new Error(`${what}[${i}]: expected ${b[i]} ± ${atol}, got ${a[i]}`);
  }
}

export function poolFusedBehaviour(ctx: SuiteContext): void {
  describe('pool-fused', () => {
    for (const c of CASES) {
      check(ctx, 'pool-fused', `${c.name}: fused pool2d matches the composed path`, async () => {
        const runs = await fusedAndFallback(ctx.backend(), 'pool2d', () => runCase(c));
        if (!runs) return; // no kernel: the one run was the composed path
        const exact = c.name.startsWith('max');
        ['values', 'input gradient', 'indices', 'values without grad'].forEach((what, i) => {
          const atol = exact && what !== 'input gradient' ? 0 : SUM_ATOL;
          same(runs.fused[i], runs.fallback[i], atol, `${c.name} ${what}`);
        });
      });
    }
  });
}
