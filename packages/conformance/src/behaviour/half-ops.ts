/**
 * float16 and bfloat16 ops against PyTorch 1.13's own result in the dtype (fixtures/half/):
 * one matrix row per op and dtype, within the `torch` bound of half-tolerances.ts (or of the
 * float32 result rounded once, where 1.13 has no CPU kernel or accumulates in bfloat16).
 */
import * as L from '@layers/core';
import { expect } from 'vitest';
import { compareHalf, halfTorchTolerance } from '../half-tolerances.js';
import { check, type SuiteContext } from './context.js';
import { decodeNum, index } from './half-data.js';

/**
 * Ops whose PyTorch 1.13 CPU kernel accumulates in bfloat16 itself (up to 8 ulps from the
 * float64 value on these inputs): layers accumulates in float32, as PyTorch's CUDA kernels
 * do, so these are compared with the float32 result rounded once.
 */
const BF16_CPU_ACCUMULATES_LOW = new Set(['matmul', 'bmm', 'linear', 'layerNorm']);

const RUN: Record<string, (xs: L.Tensor[]) => L.Tensor> = {
  add: ([a, b]) => a.add(b),
  sub: ([a, b]) => a.sub(b),
  mul: ([a, b]) => a.mul(b),
  div: ([a, b]) => a.div(b),
  neg: ([a]) => a.neg(),
  exp: ([a]) => a.exp(),
  log: ([a]) => a.log(),
  tanh: ([a]) => a.tanh(),
  sigmoid: ([a]) => a.sigmoid(),
  sqrt: ([a]) => a.sqrt(),
  relu: ([a]) => L.F.relu(a),
  sum: ([a]) => a.sum(1),
  sumAll: ([a]) => a.sum(),
  mean: ([a]) => a.mean(0),
  amax: ([a]) => a.max(-1),
  matmul: ([a, b]) => a.matmul(b),
  bmm: ([a, b]) => a.matmul(b),
  softmax: ([a]) => L.F.softmax(a, -1),
  logSoftmax: ([a]) => L.F.logSoftmax(a, 1),
  layerNorm: ([a, w, b]) => L.F.layerNorm(a, [6], { weight: w, bias: b }),
  linear: ([a, w, b]) => L.F.linear(a, w, b),
  conv2d: ([a, w, b]) => L.F.conv2d(a, w, b, { padding: 1 }),
  maxPool2d: ([a]) => L.F.maxPool2d(a, 2),
  abs: ([a]) => a.abs(),
  sin: ([a]) => a.sin(),
  erf: ([a]) => a.erf(),
  floor: ([a]) => a.floor(),
  rsqrt: ([a]) => a.rsqrt(),
  powScalar: ([a]) => a.pow(2),
  maximum: ([a, b]) => L.maximum(a, b),
  prod: ([a]) => a.prod(1),
  min: ([a]) => a.min(0),
  cumsum: ([a]) => L.cumsum(a, 1),
  gelu: ([a]) => L.F.gelu(a),
  silu: ([a]) => L.F.silu(a),
  softplus: ([a]) => L.F.softplus(a),
  avgPool2d: ([a]) => L.F.avgPool2d(a, 2),
  batchNorm: ([a, m, v, w, b]) => L.F.batchNorm(a, m, v, { weight: w, bias: b, training: false }),
  crossEntropy: ([a]) => L.F.crossEntropy(a, L.tensor([0, 2, 1, 4], { dtype: 'int32' })),
  mseLoss: ([a, b]) => L.F.mseLoss(a, b),
};

/** Registers the op cases (called inside the `half` describe block). */
export function halfOpCases(ctx: SuiteContext): void {
  for (const oc of index().ops) {
    const rounded = oc.ref === 'float32' || (oc.dtype === 'bfloat16' && BF16_CPU_ACCUMULATES_LOW.has(oc.op));
    const what = rounded ? 'float32 result rounded' : 'CPU result';
    const tol = halfTorchTolerance(oc.op);
    // One matrix row per op and dtype: behaviour/half/float16/add, ...
    check(
      ctx,
      `half/${oc.dtype}/${oc.op}`,
      `${oc.name} within ${tol.ulps} ulps of PyTorch's ${what}`,
      async () => {
        const xs = oc.inputs.map((e) => L.tensor(e.data.map(decodeNum), { shape: e.shape, dtype: oc.dtype }));
        const out = RUN[oc.op](xs);
        expect(out.dtype).toBe(oc.dtype);
        expect(out.shape).toEqual(oc.out.shape);
        const got = Array.from(L.decodeHalf(oc.dtype, await out.data()));
        const want = Float64Array.from((rounded ? oc.rounded : oc.out).data.map(decodeNum));
        const r = compareHalf(oc.name, oc.dtype, got, want, tol, false);
        if (process.env.LAYERS_HALF_ULPS) console.log(r.message);
        expect(r.ok, r.message).toBe(true);
      },
    );
  }
}
