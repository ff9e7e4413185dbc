import { BINARY_OPS as BINARY, expr, UNARY_OPS as UNARY, type View } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExprNode, ExprProgram } from '../src/expr/program.js';
import type { WebGPUBackend } from '../src/index.js';
import { empty, makeBackend, read, seq, tensor, view } from './helpers.js';

// Expected values: the same computation as a chain of the backend's own unary/binary kernels,
// which the fused program must reproduce bit for bit (it builds its WGSL from the same per-op
// expressions), plus closed-form values where the arithmetic is exact.

// 0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x^3)))
function geluTanh(): ExprProgram {
  const b = new expr.ExprBuilder('gelu');
  const x = b.load(0);
  const inner = b.mul(b.const(0.7978845608), b.add(x, b.mul(b.const(0.044715), b.mul(b.mul(x, x), x))));
  return b.build([b.mul(b.mul(b.const(0.5), x), b.add(b.const(1), b.unary('tanh', inner)))]);
}
const GELU_TANH = geluTanh();

/** Run the program node by node with the backend's primitive kernels (the unfused chain). */
async function chain(
  be: WebGPUBackend,
  p: ExprProgram,
  inputs: View[],
  params: number[],
): Promise<number[][]> {
  const shape = inputs[0].shape;
  const n = shape.reduce((a, b) => a * b, 1);
  const vals: View[] = [];
  p.nodes.forEach((node: ExprNode) => {
    const out = (dtype: View['dtype']) => empty(be, dtype, [...shape]);
    let v: View = inputs[0];
    switch (node.kind) {
      case 'load':
        v = inputs[node.input];
        break;
      case 'const':
        v = out(node.dtype);
        be.fill(v, node.value);
        break;
      case 'param':
        v = out('float32');
        be.fill(v, params[node.index]);
        break;
      case 'unary':
        v = out(node.dtype);
        be.unary(node.op, vals[node.x], v);
        break;
      case 'binary':
        v = out(node.dtype);
        be.binary(node.op, vals[node.a], vals[node.b], v);
        break;
      case 'where':
        v = out(node.dtype);
        be.where(vals[node.cond], vals[node.a], vals[node.b], v);
        break;
      case 'cast':
        v = out(node.dtype);
        be.copy(vals[node.x], v);
        break;
    }
    vals.push(v);
  });
  const res: number[][] = [];
  for (const o of p.outputs) res.push((await read(be, vals[o])).slice(0, n));
  return res;
}

function bits(a: number[]): number[] {
  return Array.from(new Uint32Array(Float32Array.from(a).buffer));
}

describe('webgpu expression kernel', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = await makeBackend();
  });
  afterAll(() => be?.destroy());

  for (const n of [1000, 1024, 3]) {
    it(`GELU (tanh) over ${n} elements matches the kernel chain bit for bit`, async () => {
      const vals = seq(n, 7, -8, 8);
      vals[0] = Number.NaN;
      vals[1] = -0;
      vals[2] = Number.POSITIVE_INFINITY;
      const x = tensor(be, 'float32', [n], vals);
      const out = empty(be, 'float32', [n]);
      be.expression({ program: GELU_TANH, params: [], inputs: [x], outputs: [out] });
      const [want] = await chain(be, GELU_TANH, [x], []);
      expect(bits(await read(be, out))).toEqual(bits(want));
    });
  }

  it('compiles once per program: new sizes, offsets and params reuse the pipeline', async () => {
    // axpy with a per-call scalar: out = p0 * x + y
    const pb = new expr.ExprBuilder('axpy');
    const prog = pb.build([pb.add(pb.mul(pb.param(0), pb.load(0)), pb.load(1))]);
    const spy = vi.spyOn(be.device, 'createComputePipeline');
    const before = spy.mock.calls.length;
    for (const [n, p] of [
      [8, 0.5],
      [16, -3],
      [400, 0.125],
    ] as const) {
      const x = tensor(be, 'float32', [n], seq(n, 3));
      const y = tensor(be, 'float32', [n], seq(n, 4));
      const out = empty(be, 'float32', [n]);
      be.expression({ program: prog, params: [p], inputs: [x, y], outputs: [out] });
      const xs = await read(be, x);
      const ys = await read(be, y);
      expect(await read(be, out)).toEqual(xs.map((v, i) => Math.fround(Math.fround(p * v) + ys[i])));
    }
    // A new program object with the same structure hits the same pipeline too.
    const x = tensor(be, 'float32', [8], seq(8, 5));
    const y = tensor(be, 'float32', [8], seq(8, 6));
    const out = empty(be, 'float32', [8]);
    be.expression({
      program: { ...prog, nodes: [...prog.nodes] },
      params: [2],
      inputs: [x, y],
      outputs: [out],
    });
    await read(be, out);
    expect(spy.mock.calls.length - before).toBe(1);
    // Binding x to both a read and the written slot is another binding pattern: one more.
    be.expression({ program: prog, params: [2], inputs: [x, x], outputs: [out] });
    await read(be, out);
    expect(spy.mock.calls.length - before).toBe(2);
    spy.mockRestore();
  });

  it('writes several outputs, in place on inputs (Adam-like m, v update)', async () => {
    // m' = b1 * m + (1 - b1) * g; v' = b2 * v + (1 - b2) * g * g; written over m and v.
    const ab = new expr.ExprBuilder('moments');
    const [m_, v_, g_] = [ab.load(0), ab.load(1), ab.load(2)];
    const m1 = ab.add(ab.mul(ab.param(0), m_), ab.mul(ab.param(1), g_));
    const v1 = ab.add(ab.mul(ab.param(2), v_), ab.mul(ab.mul(ab.param(3), g_), g_));
    const prog = ab.build([m1, v1]);
    const n = 1001;
    const m0 = seq(n, 1);
    const v0 = seq(n, 2, 0, 1);
    const g0 = seq(n, 3);
    const m = tensor(be, 'float32', [n], m0);
    const v = tensor(be, 'float32', [n], v0);
    const g = tensor(be, 'float32', [n], g0);
    const ps = [0.9, 0.1, 0.999, 0.001];
    be.expression({ program: prog, params: ps, inputs: [m, v, g], outputs: [m, v] });
    const [b1, c1, b2, c2] = ps.map(Math.fround);
    const f = Math.fround;
    const gm = await read(be, m);
    const gv = await read(be, v);
    expect(gm).toEqual(m0.map((x, i) => f(f(b1 * f(x)) + f(c1 * f(g0[i])))));
    expect(gv).toEqual(v0.map((x, i) => f(f(b2 * f(x)) + f(f(c2 * f(g0[i])) * f(g0[i])))));
  });

  it('reads broadcast and transposed inputs through strides', async () => {
    // out[i][j] = x[j][i] - b[j], x stored [3][2] and read transposed, b broadcast over rows.
    const sb = new expr.ExprBuilder('sub');
    const prog = sb.build([sb.sub(sb.load(0), sb.load(1))]);
    const xs = [1, 2, 3, 4, 5, 6];
    const x = tensor(be, 'float32', [3, 2], xs);
    const b = tensor(be, 'float32', [3], [10, 20, 30]);
    const out = empty(be, 'float32', [2, 3]);
    be.expression({
      program: prog,
      params: [],
      inputs: [view(x, [2, 3], [1, 2]), view(b, [2, 3], [0, 1])],
      outputs: [out],
    });
    expect(await read(be, out)).toEqual([1 - 10, 3 - 20, 5 - 30, 2 - 10, 4 - 20, 6 - 30]);
  });

  it('an input that overlaps an output without being it is read from a snapshot', async () => {
    // out = x shifted by one element of the same buffer: x[i + 1] written to x[i].
    const sb = new expr.ExprBuilder('inc');
    const prog = sb.build([sb.add(sb.load(0), sb.const(1))]);
    const n = 5000;
    const x = tensor(
      be,
      'float32',
      [n + 1],
      Array.from({ length: n + 1 }, (_, i) => i),
    );
    be.expression({
      program: prog,
      params: [],
      inputs: [view(x, [n], [1], 1)],
      outputs: [view(x, [n], [1], 0)],
    });
    const got = await read(be, x);
    expect(got.slice(0, n)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
  });

  it('mixed dtypes: comparison, where and casts', async () => {
    // out = where(x > 0, x, 0) cast to int32; also a bool output x > 0.
    const wb = new expr.ExprBuilder('mixed');
    const x0 = wb.load(0);
    const zero = wb.const(0);
    const pos = wb.binary('gt', x0, zero);
    const prog = wb.build([wb.cast(wb.where(pos, x0, zero), 'int32'), pos]);
    const x = tensor(be, 'float32', [5], [-2.5, 3.7, Number.NaN, 0, 9.99]);
    const oi = empty(be, 'int32', [5]);
    const ob = empty(be, 'bool', [5]);
    be.expression({ program: prog, params: [], inputs: [x], outputs: [oi, ob] });
    expect(await read(be, oi)).toEqual([0, 3, 0, 0, 9]);
    expect(await read(be, ob)).toEqual([0, 1, 0, 0, 1]);
  });

  // Every op of the contract, on values that include NaN, +-Inf and +-0: the fused program
  // must give the bits of the op's own kernel.
  const specials = [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0,
    -0,
    1,
    -1,
    0.5,
    -2.5,
    3,
  ];
  for (const dtype of ['float32', 'int32'] as const) {
    it(`every unary and binary op on ${dtype} matches its kernel`, async () => {
      const n = 64;
      const av = seq(n, 21, -6, 6).map((v, i) =>
        dtype === 'int32' ? Math.round(v) : i < 10 ? specials[i] : v,
      );
      const bv = seq(n, 22, -6, 6).map((v, i) =>
        dtype === 'int32' ? Math.round(v) || 1 : specials[(i * 3) % 10],
      );
      const a = tensor(be, dtype, [n], av);
      const b = tensor(be, dtype, [n], bv);
      for (const op of UNARY) {
        if (dtype === 'int32' && !['neg', 'abs', 'sign', 'relu', 'logicalNot'].includes(op)) continue;
        const ub = new expr.ExprBuilder(op);
        const prog = ub.build([ub.unary(op, ub.load(0, dtype))]);
        const out = empty(be, prog.nodes[prog.outputs[0]].dtype, [n]);
        be.expression({ program: prog, params: [], inputs: [a], outputs: [out] });
        const [want] = await chain(be, prog, [a], []);
        expect({ op, got: await read(be, out) }).toEqual({ op, got: want });
      }
      for (const op of BINARY) {
        if (dtype === 'int32' && (op === 'div' || op === 'atan2')) continue;
        const bb = new expr.ExprBuilder(op);
        const prog = bb.build([bb.binary(op, bb.load(0, dtype), bb.load(1, dtype))]);
        const out = empty(be, prog.nodes[prog.outputs[0]].dtype, [n]);
        be.expression({ program: prog, params: [], inputs: [a, b], outputs: [out] });
        const [want] = await chain(be, prog, [a, b], []);
        expect({ op, got: await read(be, out) }).toEqual({ op, got: want });
      }
    });
  }

  it('a program with more constants than the params window holds bakes them into the shader', async () => {
    // x + 1 + 2 + ... + 300: every partial sum is an integer below 2^24, so exact in float32.
    const cb = new expr.ExprBuilder('many-consts');
    let acc = cb.load(0);
    for (let k = 1; k <= 300; k++) acc = cb.add(acc, cb.const(k));
    const prog = cb.build([acc]);
    const x = tensor(be, 'float32', [5], [0, 1, -2, 0.5, 1000]);
    const out = empty(be, 'float32', [5]);
    be.expression({ program: prog, params: [], inputs: [x], outputs: [out] });
    expect(await read(be, out)).toEqual([0, 1, -2, 0.5, 1000].map((v) => v + 45150));
  });

  it('0-size outputs dispatch nothing', async () => {
    const out = empty(be, 'float32', [0, 3]);
    const x = empty(be, 'float32', [0, 3]);
    expect(() =>
      be.expression({ program: GELU_TANH, params: [], inputs: [x], outputs: [out] }),
    ).not.toThrow();
    await be.sync();
  });

  for (const [outer, inner] of [
    [3, 1],
    [5, 7],
    [2, 1029],
    [4, 0],
    [4100, 70],
  ] as const) {
    it(`sum and max reductions of an expression over [${outer}, ${inner}]`, async () => {
      // sum(x * y) and max(x * y) per row.
      const mk = (op: 'sum' | 'max'): ExprProgram => {
        const rb = new expr.ExprBuilder(`dot-${op}`);
        return rb.build([rb.mul(rb.load(0), rb.load(1))], { reduce: op });
      };
      // Small integers: every product and partial sum is exact in float32.
      const xs = seq(outer * inner, 11, -8, 8).map(Math.round);
      const ys = seq(outer * inner, 12, -8, 8).map(Math.round);
      const x = tensor(be, 'float32', [outer, inner], xs);
      const y = tensor(be, 'float32', [outer, inner], ys);
      const s = empty(be, 'float32', [outer]);
      const mx = empty(be, 'float32', [outer]);
      be.expression({ program: mk('sum'), params: [], inputs: [x, y], outputs: [s] });
      be.expression({ program: mk('max'), params: [], inputs: [x, y], outputs: [mx] });
      const wantS: number[] = [];
      const wantM: number[] = [];
      for (let r = 0; r < outer; r++) {
        let a = 0;
        let m = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < inner; k++) {
          const p = xs[r * inner + k] * ys[r * inner + k];
          a += p;
          m = Math.max(m, p);
        }
        wantS.push(a === 0 ? 0 : a);
        wantM.push(m);
      }
      expect((await read(be, s)).map((v) => (v === 0 ? 0 : v))).toEqual(wantS);
      expect(await read(be, mx)).toEqual(wantM);
    });
  }
});
