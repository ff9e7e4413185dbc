import { type Backend, BINARY_OPS, type ExprProgram, expr, UNARY_OPS, type View } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../src/index.js';
import { download, empty, randomData, upload } from './helpers.js';

// Expected values: core's reference interpreter (the one scalar-semantics table) and, on one
// thread, the chain of this backend's own kernels, which the interpreter must reproduce bit
// for bit (every node runs the same row loops).

const ctor = { float32: Float32Array, int32: Int32Array, bool: Uint8Array } as const;
function up(be: Backend, dtype: keyof typeof ctor, shape: number[], values: ArrayLike<number>): View {
  return upload(be, ctor[dtype].from(values as ArrayLike<number>), shape, dtype);
}
const read = (be: Backend, v: View) => Array.from(download(be, v));

function geluTanh(): ExprProgram {
  const b = new expr.ExprBuilder('gelu');
  const x = b.load(0);
  const inner = b.mul(b.const(0.7978845608), b.add(x, b.mul(b.const(0.044715), b.mul(b.mul(x, x), x))));
  return b.build([b.mul(b.mul(b.const(0.5), x), b.add(b.const(1), b.unary('tanh', inner)))]);
}

/** The program node by node through the backend's kernels (the unfused chain). */
function chain(be: Backend, p: ExprProgram, inputs: View[], params: number[]): number[][] {
  const shape = [...inputs[0].shape];
  const vals: View[] = [];
  for (const node of p.nodes) {
    let v = inputs[0];
    if (node.kind === 'load') v = inputs[node.input];
    else {
      v = empty(be, shape, node.dtype);
      if (node.kind === 'const') be.fill(v, node.value);
      else if (node.kind === 'param') be.fill(v, params[node.index]);
      else if (node.kind === 'unary') be.unary(node.op, vals[node.x], v);
      else if (node.kind === 'binary') be.binary(node.op, vals[node.a], vals[node.b], v);
      else if (node.kind === 'where') be.where(vals[node.cond], vals[node.a], vals[node.b], v);
      else be.copy(vals[node.x], v);
    }
    vals.push(v);
  }
  return p.outputs.map((o) => read(be, vals[o]));
}

/** Core's interpreter on dense copies of the inputs. */
function reference(p: ExprProgram, inputs: number[][], params: number[], n: number): number[][] {
  return expr.interpret(p, { inputs, params, size: n });
}

function expectClose(got: number[], want: number[], rtol: number, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i];
    const e = want[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= rtol * Math.abs(e) + 1e-30)) {
      throw new Error(`${what} [${i}]: got ${a}, expected ${e}`);
    }
  }
}

const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1, -1, 0.5, -2.5, 3];

for (const threads of [1, 2]) {
  describe(`wasm expression kernel, ${threads} thread(s)`, () => {
    let be: Backend;
    beforeAll(async () => {
      be = await createWasmBackend({ threads });
    });
    afterAll(() => be.destroy?.());

    for (const n of [3, 1000, 70_001]) {
      it(`GELU (tanh) over ${n} elements`, () => {
        const xs = Array.from(randomData(n, 7), (v) => v * 8);
        xs.splice(0, 3, Number.NaN, -0, Number.POSITIVE_INFINITY);
        const x = up(be, 'float32', [n], xs);
        const out = empty(be, [n]);
        const prog = geluTanh();
        be.fused.expression!({ program: prog, params: [], inputs: [x], outputs: [out] });
        const got = read(be, out);
        // tanh is the only op that is not exactly rounded: a few ulp through the chain.
        expectClose(got, reference(prog, [xs], [], n)[0], 4e-7, 'gelu');
        if (threads === 1) expect(got).toEqual(chain(be, prog, [x], [])[0]);
      });
    }

    it('several outputs written in place over their inputs, params per call', () => {
      const b = new expr.ExprBuilder('moments');
      const [m, v, g] = [b.load(0), b.load(1), b.load(2)];
      const m1 = b.add(b.mul(b.param(0), m), b.mul(b.param(1), g));
      const v1 = b.add(b.mul(b.param(2), v), b.mul(b.mul(b.param(3), g), g));
      const prog = b.build([m1, v1]);
      const n = 70_001;
      const [m0, v0, g0] = [1, 2, 3].map((s) => Array.from(randomData(n, s)));
      const mv = up(be, 'float32', [n], m0);
      const vv = up(be, 'float32', [n], v0);
      const gv = up(be, 'float32', [n], g0);
      for (const ps of [
        [0.9, 0.1, 0.999, 0.001],
        [0.5, 0.5, 0.25, 0.75],
      ]) {
        const want = reference(prog, [read(be, mv), read(be, vv), g0], ps, n);
        be.fused.expression!({ program: prog, params: ps, inputs: [mv, vv, gv], outputs: [mv, vv] });
        expect(read(be, mv)).toEqual(want[0]);
        expect(read(be, vv)).toEqual(want[1]);
      }
    });

    it('broadcast and transposed inputs, strided output', () => {
      const b = new expr.ExprBuilder('sub');
      const prog = b.build([b.sub(b.load(0), b.load(1))]);
      const x = up(be, 'float32', [3, 2], [1, 2, 3, 4, 5, 6]);
      const c = up(be, 'float32', [3], [10, 20, 30]);
      const out = empty(be, [3, 2]); // written transposed
      be.fused.expression!({
        program: prog,
        params: [],
        inputs: [
          { ...x, shape: [2, 3], strides: [1, 2] },
          { ...c, shape: [2, 3], strides: [0, 1] },
        ],
        outputs: [{ ...out, shape: [2, 3], strides: [1, 2] }],
      });
      // out[j][i] = x[j][i] - c[j]
      expect(read(be, out)).toEqual([1 - 10, 2 - 10, 3 - 20, 4 - 20, 5 - 30, 6 - 30]);
    });

    it('an input overlapping an output without being it is read from a copy', () => {
      const b = new expr.ExprBuilder('inc');
      const prog = b.build([b.add(b.load(0), b.const(1))]);
      const n = 200_000;
      const x = up(
        be,
        'float32',
        [n + 1],
        Array.from({ length: n + 1 }, (_, i) => i),
      );
      be.fused.expression!({
        program: prog,
        params: [],
        inputs: [{ ...x, shape: [n], strides: [1], offset: 1 }],
        outputs: [{ ...x, shape: [n], strides: [1], offset: 0 }],
      });
      expect(read(be, x).slice(0, n)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    });

    it('mixed dtypes: comparison, where, casts and a bool output', () => {
      const b = new expr.ExprBuilder('mixed');
      const x = b.load(0);
      const zero = b.const(0);
      const pos = b.binary('gt', x, zero);
      const prog = b.build([b.cast(b.where(pos, x, zero), 'int32'), pos, b.unary('isnan', x)]);
      const xs = [-2.5, 3.7, Number.NaN, 0, 9.99, -0, 1e9, -7];
      const xv = up(be, 'float32', [8], xs);
      const outs = [empty(be, [8], 'int32'), empty(be, [8], 'bool'), empty(be, [8], 'bool')];
      be.fused.expression!({ program: prog, params: [], inputs: [xv], outputs: outs });
      const want = reference(prog, [xs], [], 8);
      outs.forEach((o, k) => {
        expect(read(be, o)).toEqual(want[k]);
      });
    });

    it('0-size calls do nothing', () => {
      const prog = geluTanh();
      const x = empty(be, [0, 4]);
      expect(() =>
        be.fused.expression!({ program: prog, params: [], inputs: [x], outputs: [empty(be, [0, 4])] }),
      ).not.toThrow();
    });

    for (const dtype of ['float32', 'int32'] as const) {
      it(`every unary and binary op on ${dtype} agrees with core's scalar table`, () => {
        const n = 37;
        const r1 = randomData(n, 21);
        const r2 = randomData(n, 22);
        const av = Array.from(r1, (v, i) =>
          dtype === 'int32' ? Math.round(v * 6) : i < 10 ? specials[i] : v * 6,
        );
        const bv = Array.from(r2, (v, i) =>
          dtype === 'int32' ? Math.round(v * 6) || 1 : specials[(i * 3) % 10],
        );
        const a = up(be, dtype, [n], av);
        const bb = up(be, dtype, [n], bv);
        for (const op of UNARY_OPS) {
          if (dtype === 'int32' && !['neg', 'abs', 'sign', 'relu', 'logicalNot'].includes(op)) continue;
          const b = new expr.ExprBuilder(op);
          const prog = b.build([b.unary(op, b.load(0, dtype))]);
          const out = empty(be, [n], prog.nodes[prog.outputs[0]].dtype);
          be.fused.expression!({ program: prog, params: [], inputs: [a], outputs: [out] });
          // The backend's transcendental functions are within a few ulp of core's float64 ones.
          expectClose(read(be, out), reference(prog, [av], [], n)[0], 5e-7, op);
          if (threads === 1) expect(read(be, out)).toEqual(chain(be, prog, [a], [])[0]);
        }
        for (const op of BINARY_OPS) {
          if (dtype === 'int32' && (op === 'div' || op === 'atan2')) continue;
          const b = new expr.ExprBuilder(op);
          const prog = b.build([b.binary(op, b.load(0, dtype), b.load(1, dtype))]);
          const out = empty(be, [n], prog.nodes[prog.outputs[0]].dtype);
          be.fused.expression!({ program: prog, params: [], inputs: [a, bb], outputs: [out] });
          expectClose(read(be, out), reference(prog, [av, bv], [], n)[0], 5e-7, op);
          if (threads === 1) expect(read(be, out)).toEqual(chain(be, prog, [a, bb], [])[0]);
        }
      });
    }

    for (const [outer, inner] of [
      [3, 1],
      [5, 7],
      [2, 1029],
      [4, 0],
      [64, 1100],
    ] as const) {
      it(`sum, max and int32 min reductions over [${outer}, ${inner}]`, () => {
        const xs = Array.from(randomData(outer * inner, 11), (v) => Math.round(v * 8));
        const ys = Array.from(randomData(outer * inner, 12), (v) => Math.round(v * 8));
        const x = up(be, 'float32', [outer, inner], xs);
        const y = up(be, 'float32', [outer, inner], ys);
        for (const op of ['sum', 'max', 'prod'] as const) {
          const b = new expr.ExprBuilder(`dot-${op}`);
          const prog = b.build([b.mul(b.load(0), b.load(1))], { reduce: op });
          const out = empty(be, [outer]);
          be.fused.expression!({ program: prog, params: [], inputs: [x, y], outputs: [out] });
          const want = expr.interpret(prog, { inputs: [xs, ys], params: [], outer, inner })[0];
          expectClose(read(be, out), want, op === 'prod' ? 1e-6 : 0, op);
        }
        const b = new expr.ExprBuilder('imin');
        const prog = b.build([b.cast(b.load(0), 'int32')], { reduce: 'min' });
        const out = empty(be, [outer], 'int32');
        be.fused.expression!({ program: prog, params: [], inputs: [x], outputs: [out] });
        expect(read(be, out)).toEqual(expr.interpret(prog, { inputs: [xs], params: [], outer, inner })[0]);
      });
    }

    it('a reduction output with a row stride', () => {
      const b = new expr.ExprBuilder('sumsq');
      const x0 = b.load(0);
      const prog = b.build([b.mul(x0, x0)], { reduce: 'sum' });
      const x = up(be, 'float32', [3, 4], [1, 2, 3, 4, 0, 0, 0, 1, -1, -1, 2, 2]);
      const out = empty(be, [6]);
      be.fill(out, -5);
      be.fused.expression!({
        program: prog,
        params: [],
        inputs: [x],
        outputs: [{ ...out, shape: [3], strides: [2] }],
      });
      expect(read(be, out)).toEqual([30, -5, 1, -5, 10, -5]);
    });
  });
}
