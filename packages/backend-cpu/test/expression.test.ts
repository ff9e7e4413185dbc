/**
 * The cpu backend's compiled expressions against core's reference interpreter and core's
 * required-kernel fallback, bit for bit (NaN and -0 included): all three evaluate core's one
 * scalar table with the IR's per-node rounding, so any difference is a code-generation bug.
 */

import { randomExprCase } from '@layers/conformance';
import * as L from '@layers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

let backend: L.Backend;
beforeAll(async () => {
  backend = await createCpuBackend();
  L.setBackend(backend);
});

/** Dense values of `data` (of `shape`) broadcast to `target`, row-major. */
function broadcastDense(data: number[], shape: number[], target: number[]): number[] {
  const size = target.reduce((a, b) => a * b, 1);
  const lead = target.length - shape.length;
  const out = new Array<number>(size);
  for (let e = 0; e < size; e++) {
    let rest = e;
    let src = 0;
    let stride = 1;
    for (let d = target.length - 1; d >= 0; d--) {
      const i = rest % target[d];
      rest = Math.floor(rest / target[d]);
      const sd = d - lead;
      if (sd >= 0) {
        if (shape[sd] !== 1) src += i * stride;
        stride *= shape[sd];
      }
    }
    out[e] = data[src];
  }
  return out;
}

function run(c: ReturnType<typeof randomExprCase>): number[][] {
  const inputs = c.inputs.map((inp) => L.tensor(inp.data, { dtype: inp.dtype }).reshape(inp.shape));
  const into = c.alias.map((i) => (i >= 0 ? inputs[i] : null));
  const outs = L.expr.runExpression(c.program, inputs, { params: c.params, shape: c.shape, into });
  return outs.map((t) => Array.from(t.dataSync(), Number));
}

function bits(v: number[]): string[] {
  return v.map((x) => (Object.is(x, -0) ? '-0' : String(x)));
}

describe('cpu fused.expression', () => {
  it('matches the reference interpreter and the fallback bit for bit on 300 random programs', () => {
    let reduced = 0;
    let aliased = 0;
    for (let s = 0; s < 300; s++) {
      const c = randomExprCase(s);
      const dense = c.inputs.map((inp) => broadcastDense(inp.data, inp.shape, c.shape));
      const size = c.shape.reduce((a, b) => a * b, 1);
      const inner = c.shape[c.shape.length - 1] ?? 1;
      const ref = L.expr.interpret(c.program, {
        inputs: dense,
        params: c.params,
        size,
        outer: size / Math.max(inner, 1),
        inner,
      });
      L.pathLog.reset();
      const kernel = run(c);
      expect(L.pathLog.fused()).toContain('expression');
      const saved = backend.fused.expression;
      (backend.fused as { expression?: unknown }).expression = undefined;
      let fallback: number[][];
      try {
        fallback = run(c);
      } finally {
        (backend.fused as { expression?: unknown }).expression = saved;
      }
      for (let j = 0; j < ref.length; j++) {
        const what = `${c.program.key} output ${j}`;
        expect(bits(kernel[j]), what).toEqual(bits(ref[j]));
        expect(bits(fallback[j]), what).toEqual(bits(ref[j]));
      }
      if (c.program.reduce) reduced++;
      if (c.alias.some((a) => a >= 0)) aliased++;
    }
    // The generator must actually exercise reductions and in-place outputs.
    expect(reduced).toBeGreaterThan(30);
    expect(aliased).toBeGreaterThan(20);
  });

  it('compiles each program once and reuses it across calls with new params', () => {
    const b = new L.expr.ExprBuilder('scale');
    const p = b.build([b.mul(b.load(0), b.param(0))]);
    const x = L.tensor([1, 2, 3]);
    const seen = new Set<unknown>();
    const fn = globalThis.Function;
    let compiles = 0;
    globalThis.Function = new Proxy(fn, {
      construct(target, args) {
        compiles++;
        return Reflect.construct(target, args);
      },
    });
    try {
      for (const k of [2, 3, 0.5]) {
        const [y] = L.expr.runExpression(p, [x], { params: [k] });
        seen.add(Array.from(y.dataSync()).join());
      }
    } finally {
      globalThis.Function = fn;
    }
    expect([...seen]).toEqual(['2,4,6', '3,6,9', '0.5,1,1.5']);
    expect(compiles).toBeLessThanOrEqual(1);
  });
});

describe('expression epilogues', () => {
  it('applies bias + gelu to a matmul output in place, as F.gelu(x @ w + b) computes it', () => {
    const x = L.randn([5, 7]);
    const w = L.randn([7, 3]);
    const bias = L.randn([3]);
    const want = L.F.gelu(x.matmul(w).add(bias)).dataSync();
    const out = x.matmul(w);
    L.pathLog.reset();
    const y = L.expr.applyEpilogue(L.expr.biasActivationProgram('gelu', true), out, [bias]);
    expect(y).toBe(out);
    expect(L.pathLog.fused()).toContain('expression');
    expect(Array.from(out.dataSync())).toEqual(Array.from(want));
  });
});
